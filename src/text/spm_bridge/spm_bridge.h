/* C ABI over libsentencepiece, built as its own shared object (libt2sql_spm_bridge.so).
 *
 * Why: Debian's libsentencepiece embeds protobuf 3.14 and exports its symbols, while LibTorch
 * loads libprotobuf 3.21. In one process the two interpose each other and the program dies during
 * static initialisation. The bridge is opened with dlmopen(LM_ID_NEWLM) in a namespace of its own, so
 * sentencepiece binds to its own protobuf and nothing leaks into the global namespace.
 * Only text/sentencepiece_library.cpp includes this header.
 *
 * Conventions: functions that produce variable-size output take (buffer, capacity) and return the
 * size needed; a caller retries with a larger buffer when the return exceeds the capacity.
 * Errors: a null handle or a negative return, with a message written into `error`. */
#ifndef T2SQL_SPM_BRIDGE_H
#define T2SQL_SPM_BRIDGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define T2SQL_SPM_BRIDGE_VERSION 1

typedef struct t2sql_spm_model t2sql_spm_model;

int t2sql_spm_bridge_version(void);

t2sql_spm_model* t2sql_spm_load(const char* bytes, size_t size, char* error, size_t error_capacity);
void t2sql_spm_free(t2sql_spm_model* model);

int t2sql_spm_piece_size(const t2sql_spm_model* model);
/* which: 0 bos, 1 eos, 2 pad, 3 unk. -1 when the model has none. */
int t2sql_spm_special_id(const t2sql_spm_model* model, int which);
/* kind: 0 control, 1 unknown, 2 byte, 3 unused, 4 user-defined. */
int t2sql_spm_is(const t2sql_spm_model* model, int id, int kind);
float t2sql_spm_score(const t2sql_spm_model* model, int id);

/* Returns the number of ids (written when <= capacity), or -1 on error. */
long t2sql_spm_encode(const t2sql_spm_model* model, const char* text, size_t size, int* ids, size_t capacity,
                      char* error, size_t error_capacity);
/* Returns the byte length of the decoded text (written when <= capacity), or -1 on error. */
long t2sql_spm_decode(const t2sql_spm_model* model, const int* ids, size_t count, char* out, size_t capacity,
                      char* error, size_t error_capacity);
/* Returns the byte length of the piece (written when <= capacity). */
long t2sql_spm_id_to_piece(const t2sql_spm_model* model, int id, char* out, size_t capacity);
/* Returns the id, or the unk id when the piece is not in the vocabulary. */
int t2sql_spm_piece_to_id(const t2sql_spm_model* model, const char* piece, size_t size);

/* SentencePieceTrainer::Train with a flag string ("--input=... --model_prefix=..."). 0 on success. */
int t2sql_spm_train(const char* arguments, char* error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
