// Finding, naming and checking model directories (Hugging Face layout: config.json,
// preprocessor_config.json, vocab.json, merges.txt and model.safetensors or pytorch_model.bin).
//
//   std::filesystem::path dir = sonavec::resolve_model_dir("");       // $SONAVEC_MODEL, else the cached default
//   std::string id = sonavec::model_identity(dir);                    // "laion--clap-htsat-unfused@3f2a9c0d1e2b4a5c"
//
// Cache layout: $XDG_CACHE_HOME/sonavec/models/<owner>--<name>/ (default ~/.cache/sonavec/models/...),
// holding the Hub's files under their own names; sonavec/hub.h fills it (a separate library, libcurl).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sonavec {

// The model the CLI, Python and a server use when none is named.
inline constexpr const char* default_model_repo = "laion/clap-htsat-unfused";

// The files every model directory needs besides the weights.
const std::vector<std::string>& model_config_files();  // config.json, preprocessor_config.json, vocab.json, merges.txt
// The weights, in order of preference; a directory needs one of them.
const std::vector<std::string>& model_weight_files();  // model.safetensors, pytorch_model.bin

std::filesystem::path default_cache_root();  // $XDG_CACHE_HOME/sonavec/models or ~/.cache/sonavec/models
std::filesystem::path cached_model_dir(const std::string& repo, const std::filesystem::path& cache_root = {});

// What a caller will use: audio-only work needs no tokenizer files (vocab.json, merges.txt).
enum class model_use { audio, audio_and_text };

// The needed files dir lacks (the weights as "model.safetensors or pytorch_model.bin"); empty when complete.
std::vector<std::string> missing_model_files(const std::filesystem::path& dir,
                                             model_use use = model_use::audio_and_text);

// How to fetch a model without a download tool: each file's URL and the directory to put it in, a line
// each, the names escaped for a terminal (for a multiline_error).
std::string manual_download_help(const std::string& repo, const std::string& revision, const std::string& endpoint,
                                 const std::filesystem::path& dir);

// `given` (a directory, "" when none) beats $SONAVEC_MODEL beats the cached default repo. Throws
// sonavec::error (not_found) naming the missing files, their URLs and where they go when the chosen
// directory is incomplete; an explicit choice never falls back to another one.
std::filesystem::path resolve_model_dir(const std::string& given, model_use use = model_use::audio_and_text);
// True when a model was chosen explicitly (`given` non-empty or $SONAVEC_MODEL set).
bool model_chosen(const std::string& given);

// Which model made a vector, identified by the model's files rather than by its folder's name: the
// folder's name (for people) and the start of a SHA-256 over config.json, preprocessor_config.json and
// the weights the engine loads. Each file's digest is remembered in model_digest_cache_file() under its
// path, size, times and inode, so a model is hashed once. Throws sonavec::error naming a file that
// exists but cannot be read.
std::string model_identity(const std::filesystem::path& model_dir);
std::filesystem::path model_digest_cache_file();  // $XDG_CACHE_HOME/sonavec/model-digests.json

// A model directory with random weights of the architecture in config_dir/config.json (its other files
// copied beside a model.safetensors), for speed and memory measurements: cost does not depend on the
// weights' values. Returns the parameter count.
int64_t write_random_model(const std::filesystem::path& config_dir, const std::filesystem::path& out_dir,
                           uint64_t seed = 42);

// Floating-point weights in the model's checkpoint that are NaN or infinite (float32 tensors).
int64_t count_non_finite_weights(const std::filesystem::path& model_dir);

}  // namespace sonavec
