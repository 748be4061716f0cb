// Zero-shot tags: a track's probabilities over the labels of a taxonomy (genre, mood, instrument, ...),
// from its audio vector and the text vectors of the labels' prompts alone.
//
//   auto eng = sonavec::engine::open(p);
//   sonavec::label_set moods = sonavec::prepare_labels(*eng, sonavec::builtin_taxonomy("mood"));
//   sonavec::track_embedding t = sonavec::embed_track(*eng, "song.flac", {});
//   std::vector<float> p = sonavec::zero_shot_probabilities(t.vector, moods, eng->logit_scale());
//   for (const sonavec::tag& g : sonavec::top_tags(p, moods.labels, 3)) ... g.label, g.probability
//
// The probabilities are the reference's: softmax over the labels of logit_scale * cosine(audio, label),
// which is softmax(logits_per_audio) of modeling_clap.py ClapModel.forward. Stored vectors are enough,
// so a whole library is retagged in one matrix product (score_batch) without touching any audio.
//
// A taxonomy file is UTF-8 text, one label per line; blank lines and lines starting with '#' are
// comments, except "# template: TEXT", which adds a prompt template (TEXT holds "{}" exactly once, where
// the label goes). Several templates make an ensemble: each label's prompt vectors are averaged, then
// L2-normalised. No template means "This is a sound of {}." A label written "parent/child" (such as
// "rock/indie rock") is a child of parent: it is scored as a label of its own, with only the text after
// the last '/' in its prompts.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sonavec/engine.h"
#include "sonavec/track.h"

namespace sonavec {

struct taxonomy {
    std::string name;                    // "genre", or a custom file's stem
    std::vector<std::string> labels;     // as written, unique: "rock", "rock/indie rock"
    std::vector<std::string> templates;  // each with one "{}"; never empty once parsed
};

// The template a taxonomy without one gets (the CLAP paper's prompt).
inline constexpr const char* default_label_template = "This is a sound of {}.";

// The taxonomies built into sonavec (data/taxonomies/*.txt): genre, mood, instrument, vocals, usecase, sfx.
const std::vector<taxonomy>& builtin_taxonomies();
// One of them by name; error_kind::invalid_input listing the names otherwise.
const taxonomy& builtin_taxonomy(const std::string& name);

// Parses taxonomy text (the format above). Throws error_kind::invalid_input, naming `origin` and the
// line, for: text that is not UTF-8 or holds control characters (a binary file), a line over 1,000 bytes,
// more than 10,000 labels or 100 templates, a template without "{}" or with it twice, a label given twice,
// or no label at all. Text over 4 MiB is refused before it is read.
taxonomy parse_taxonomy(std::string_view text, const std::string& name, const std::string& origin = "taxonomy");
// A taxonomy file (named by its stem): not_found / io when it cannot be read, else as parse_taxonomy.
taxonomy load_taxonomy(const std::filesystem::path& file);
// A built-in taxonomy's name, or a taxonomy file: what contains a '/', ends in ".txt" or is an existing
// file is loaded as a file (load_taxonomy), anything else is looked up (builtin_taxonomy).
taxonomy find_taxonomy(const std::string& name_or_file);
// The same labels with other templates (each checked as parse_taxonomy does); "{}" alone uses each label as is.
taxonomy with_templates(taxonomy t, const std::vector<std::string>& templates);

// The text a label stands for in prompts: after its last '/' ("rock/indie rock" -> "indie rock").
std::string label_text(const std::string& label);
// A template with the label's text in place of "{}".
std::string label_prompt(const std::string& label_template, const std::string& label);

// A taxonomy's labels with one unit vector per label, rows of dim floats: [labels.size(), dim].
struct label_set {
    std::string name;
    std::vector<std::string> labels;
    std::vector<float> vectors;
    int64_t dim = 0;
};

// Embeds every label's prompts (labels x templates texts, through the text cache unless use_cache is
// false: a second run never starts the text tower), averages each label's prompt vectors and
// L2-normalises the mean.
label_set prepare_labels(const engine& eng, const taxonomy& t, bool use_cache = true);

// Probabilities for n audio vectors at once: audio is row-major [n, dim], the result [n, labels] with
// each row summing to 1. Cosines come from one matrix product (OpenBLAS sgemm) over row blocks on
// `threads` threads (0 = all cores); audio rows are normalised here, so any non-zero vector will do (a
// zero row gets the uniform distribution). Throws invalid_input when the sizes disagree.
std::vector<float> score_batch(std::span<const float> audio, int64_t n, const label_set& labels, float logit_scale,
                               int threads = 0);
// One audio vector's probabilities, [labels].
std::vector<float> zero_shot_probabilities(std::span<const float> audio_vector, const label_set& labels,
                                           float logit_scale);

struct tag {
    std::string label;
    float probability = 0;
};

// The k most probable labels, most probable first (ties in label order).
std::vector<tag> top_tags(std::span<const float> probabilities, const std::vector<std::string>& labels, int k);

// Multi-label choice. A softmax shares one unit of probability among all labels, so a fixed floor
// would mean different things for 20 vocals and 164 moods; the rule is relative instead. A label is
// kept when
//     p >= ratio * p_top   (about as likely as the best label: a track can be "dark" and "ominous")
// and p >= above_uniform / labels   (clearly above the flat distribution: when nothing stands out,
// nothing is claimed, not even the top label), at most max_labels of them, most probable first.
struct multi_label_rule {
    float ratio = 0.5f;
    float above_uniform = 2.0f;
    int max_labels = 10;
};
std::vector<tag> multi_label_tags(std::span<const float> probabilities, const std::vector<std::string>& labels,
                                  const multi_label_rule& rule = {});

struct tag_params {
    int top = 3;             // labels per taxonomy in top-k mode
    bool multi = false;      // multi_label_tags with `rule` instead of top-k
    multi_label_rule rule;
};

struct taxonomy_tags {
    std::string taxonomy;
    std::vector<tag> tags;
};

// The chosen tags of one audio vector, one entry per label set, in their order.
std::vector<taxonomy_tags> tag_vector(std::span<const float> audio_vector, const std::vector<label_set>& sets,
                                      float logit_scale, const tag_params& params);

struct tagged_track {
    track_embedding track;
    std::vector<taxonomy_tags> tags;
};

// embed_track (sonavec/track.h, same errors) and tag_vector with the engine's logit scale.
tagged_track tag_track(const engine& eng, const std::filesystem::path& file, const std::vector<label_set>& sets,
                       const track_embed_params& track = {}, const tag_params& params = {});

}  // namespace sonavec
