// Tokenizer behaviour on small hand-written tokenizer.json files: every component, the failure
// paths, and the streaming decoder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/utf8.hpp"
#include "text/byte_level.hpp"
#include "text/hf_tokenizer.hpp"
#include "text/streaming_decoder.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::text {
namespace {
using nlohmann::json;

// A byte-level BPE over the 256 byte characters plus a few merges.
json byte_level_json() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_to_unicode(static_cast<unsigned char>(b))] = b;
  vocab["Ġt"] = 256;
  vocab["he"] = 257;
  vocab["Ġthe"] = 258;
  vocab["Ġhe"] = 259;
  json root = {
      {"version", "1.0"},
      {"added_tokens", json::array({{{"id", 260}, {"content", "<|end|>"}, {"special", true}},
                                    {{"id", 261}, {"content", "<x>"}, {"special", false}, {"lstrip", true},
                                     {"rstrip", true}, {"normalized", false}}})},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers", json::array({{{"type", "Split"}, {"pattern", {{"Regex", R"( ?\p{L}+|\s+|[^\s\p{L}]+)"}}},
                                        {"behavior", "Isolated"}, {"invert", false}},
                                       {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}}},
      {"post_processor", {{"type", "TemplateProcessing"},
                          {"single", json::array({{{"SpecialToken", {{"id", "<|end|>"}, {"type_id", 0}}}},
                                                  {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                          {"special_tokens", {{"<|end|>", {{"id", "<|end|>"}, {"ids", {260}}, {"tokens", {"<|end|>"}}}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({"Ġ t", "h e", "Ġt he", "Ġ he"})}}},
  };
  return root;
}

std::unique_ptr<Tokenizer> load(const json& root) { return load_hf_tokenizer_json(root.dump(), "test.json"); }

std::vector<TokenId> bytes_of(std::string_view text) {
  std::vector<TokenId> ids;
  for (unsigned char c : text) ids.push_back(c);
  return ids;
}

TEST(HfTokenizerTest, MergesByRank) {
  auto tokenizer = load(byte_level_json());
  // " the": "Ġ t" (rank 0) before "h e" (rank 1), then "Ġt he" (rank 2).
  EXPECT_EQ(tokenizer->encode(" the", false), std::vector<TokenId>({258}));
  // " he": "h e" (rank 1) first, then "Ġ he" (rank 3).
  EXPECT_EQ(tokenizer->encode(" he", false), std::vector<TokenId>({259}));
  // Without the last merge the pieces stay apart: "Ġ" is byte 0x20.
  json root = byte_level_json();
  root["model"]["merges"] = json::array({"Ġ t", "h e", "Ġt he"});
  EXPECT_EQ(load(root)->encode(" he", false), std::vector<TokenId>({32, 257}));
}

TEST(HfTokenizerTest, ArrayMergesAndIgnoreMerges) {
  json root = byte_level_json();
  root["model"]["merges"] = json::array({json::array({"Ġ", "t"}), json::array({"h", "e"}), json::array({"Ġt", "he"})});
  EXPECT_EQ(load(root)->encode(" the", false), std::vector<TokenId>({258}));
  root["model"]["merges"] = json::array();
  EXPECT_EQ(load(root)->encode(" the", false), bytes_of(" the"));
  root["model"]["ignore_merges"] = true;
  EXPECT_EQ(load(root)->encode(" the", false), std::vector<TokenId>({258}));
}

TEST(HfTokenizerTest, AddedTokensSpecialFlagAndStrip) {
  auto tokenizer = load(byte_level_json());
  EXPECT_EQ(tokenizer->encode("a<|end|>b", false), std::vector<TokenId>({'a', 260, 'b'}));
  // lstrip/rstrip swallow the spaces around "<x>".
  EXPECT_EQ(tokenizer->encode("a  <x>  b", false), std::vector<TokenId>({'a', 261, 'b'}));
  EXPECT_EQ(tokenizer->encode("ab", true), std::vector<TokenId>({260, 'a', 'b'}));
  std::vector<TokenId> ids{260, 'a', 261};
  EXPECT_EQ(tokenizer->decode(ids, false), "<|end|>a<x>");
  EXPECT_EQ(tokenizer->decode(ids, true), "a<x>");  // <x> is not special: kept
  EXPECT_TRUE(tokenizer->is_special(260));
  EXPECT_FALSE(tokenizer->is_special(261));
}

TEST(HfTokenizerTest, EmptyAndInvalidInput) {
  auto tokenizer = load(byte_level_json());
  EXPECT_TRUE(tokenizer->encode("", false).empty());
  EXPECT_EQ(tokenizer->encode("", true), std::vector<TokenId>({260}));
  try {
    tokenizer->encode("ok\xff", false);
    FAIL() << "invalid UTF-8 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("offset 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tokenizer->decode(std::vector<TokenId>{9999}, false), Error);
  EXPECT_THROW(tokenizer->id_to_piece(-1), Error);
  // A character cut in two decodes to U+FFFD, never to broken UTF-8.
  EXPECT_EQ(tokenizer->decode(std::vector<TokenId>{0xC3}, false), "\xEF\xBF\xBD");
}

TEST(HfTokenizerTest, UnsupportedComponentsAreNamed) {
  auto expect_unsupported = [](json root, const std::string& name) {
    try {
      load(root);
      FAIL() << "accepted " << name;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << e.what();
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  json root = byte_level_json();
  root["model"]["type"] = "WordPiece";
  expect_unsupported(root, "WordPiece");
  root = byte_level_json();
  root["normalizer"] = {{"type", "BertNormalizer"}};
  expect_unsupported(root, "BertNormalizer");
  root = byte_level_json();
  root["pre_tokenizer"] = {{"type", "Digits"}};
  expect_unsupported(root, "Digits");
  root = byte_level_json();
  root["decoder"] = {{"type", "WordPiece"}};
  expect_unsupported(root, "WordPiece");
  root = byte_level_json();
  root["post_processor"] = {{"type", "RobertaProcessing"}};
  expect_unsupported(root, "RobertaProcessing");
}

TEST(HfTokenizerTest, MalformedFilesAreParseErrors) {
  EXPECT_THROW(load_hf_tokenizer_json("{not json", "bad.json"), Error);
  json root = byte_level_json();
  root["model"]["merges"] = json::array({"Ġ"});
  EXPECT_THROW(load(root), Error);
  root = byte_level_json();
  root["model"]["merges"] = json::array({"x y"});
  EXPECT_THROW(load(root), Error);
  root = byte_level_json();
  root["pre_tokenizer"]["pretokenizers"][0]["pattern"] = {{"Regex", "(unclosed"}};
  EXPECT_THROW(load(root), Error);
  EXPECT_THROW(load_tokenizer("/nonexistent/tokenizer.json"), Error);
}

// Llama-2 style: Prepend + Replace normalizer, byte fallback, decoder Replace/ByteFallback/Fuse/Strip.
json byte_fallback_json() {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) vocab[fmt::format("<0x{:02X}>", b)] = 3 + b;
  vocab["\u2581"] = 259;
  vocab["a"] = 260;
  vocab["b"] = 261;
  vocab["\u2581a"] = 262;
  return {
      {"added_tokens", json::array({{{"id", 1}, {"content", "<s>"}, {"special", true}, {"normalized", false}}})},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", "\u2581"}},
                                                                         {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}})}}},
      {"pre_tokenizer", nullptr},
      {"post_processor", nullptr},
      {"decoder", {{"type", "Sequence"}, {"decoders", json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                                                   {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
                                                                   {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({"\u2581 a"})}, {"byte_fallback", true},
                 {"unk_token", "<unk>"}, {"fuse_unk", true}}},
  };
}

TEST(HfTokenizerTest, ByteFallbackAndMetaspaceDecoding) {
  auto tokenizer = load(byte_fallback_json());
  // "a é": ▁a ▁ then é as two byte tokens <0xC3><0xA9>.
  std::vector<TokenId> ids = tokenizer->encode("a é", false);
  EXPECT_EQ(ids, std::vector<TokenId>({262, 259, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(tokenizer->decode(ids, false), "a é");
}

TEST(StreamingDecoderTest, NeverEmitsBrokenUtf8AndMatchesWholeDecode) {
  for (const json& root : {byte_level_json(), byte_fallback_json()}) {
    auto tokenizer = load(root);
    std::string text = "a é 😀 the b 中文";
    std::vector<TokenId> ids = tokenizer->encode(text, false);
    StreamingDecoder stream(*tokenizer, false);
    std::string printed;
    for (TokenId id : ids) {
      std::string piece = stream.push(id);
      EXPECT_FALSE(find_invalid_utf8(piece).has_value());
      printed += piece;
    }
    printed += stream.finish();
    EXPECT_EQ(printed, tokenizer->decode(ids, false));
  }
}

TEST(StreamingDecoderTest, IncompleteTailBecomesReplacementCharacter) {
  auto tokenizer = load(byte_level_json());
  StreamingDecoder stream(*tokenizer, false);
  EXPECT_EQ(stream.push(0xE4), "");
  EXPECT_EQ(stream.push(0xB8), "");
  std::string tail = stream.finish();  // U+FFFD per byte of the cut character, as sanitize_utf8 does
  EXPECT_EQ(tail, "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(complete_utf8_prefix("ab\xE4\xB8"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xFF"), 3u);  // invalid, not incomplete: let it through
}

}  // namespace
}  // namespace t2sql::text
