// A process that runs LibTorch must also be able to use SentencePiece: Debian's libsentencepiece
// embeds its own protobuf, which used to crash such a process at start-up (see
// src/text/spm_bridge/spm_bridge.h). This binary links LibTorch; the test uses both.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/file_io.hpp"
#include "text/sentencepiece_library.hpp"

namespace t2sql {
namespace {
namespace fs = std::filesystem;

TEST(SentencePieceWithTorch, BothWorkInOneProcess) {
  const fs::path dir = fs::temp_directory_path() / ("t2sql-spm-torch-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream corpus(dir / "corpus.txt");
    for (int i = 0; i < 200; ++i) corpus << "SELECT name FROM head WHERE age > " << i << "\n";
  }
  text::train_sentencepiece("--input=" + (dir / "corpus.txt").string() + " --model_prefix=" + (dir / "m").string() +
                            " --vocab_size=40 --model_type=unigram --num_threads=1 --minloglevel=2");
  text::SentencePieceModel model(read_file(dir / "m.model"), "m.model");
  const auto ids = model.encode("SELECT name FROM head");
  const torch::Tensor tensor = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()));
  EXPECT_EQ(tensor.numel(), static_cast<int64_t>(ids.size()));
  EXPECT_EQ(model.decode(ids), "SELECT name FROM head");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace t2sql
