// A library: a folder holding a catalog of audio files and their vectors (catalog.sqlite, SQLite in WAL
// mode) and a vector index over them (vectors.index), kept in step with folders on disk and searched by
// text, by sound or by vector.
//
//   auto eng = sonavec::engine::open(p);                       // sonavec/engine.h
//   auto lib = sonavec::library::open(sonavec::library::default_dir());
//   sonavec::index_params ip;
//   ip.progress = [](const sonavec::index_progress& p) { ... };
//   sonavec::index_report r = lib->index({"/music"}, *eng, ip);
//   sonavec::search_params sp;  sp.k = 10;  sp.filter.max_seconds = 30;
//   for (auto& m : lib->search_text("dark cinematic strings", *eng, sp)) std::cout << m.score << " " << m.track.path;
//
// Crash safety: every change is one transaction, results of an index run are committed a few files at a
// time, so a run killed at any moment loses only the files in flight and the next run carries on. One
// writer (index, import, prune) holds the library at a time (a lock file; another writer gets
// error_kind::busy at once); readers are never held up. A library opened read_only writes nothing, so a
// library on a read-only mount or of another user can be searched.
//
// Models: a vector belongs to the model that made it (sonavec/model.h model_identity). A library may
// hold several models' vectors; a search looks at one model's only, named by the engine that embeds the
// query or by search_params::model_id.
//
// Every outside file (the catalog, the index file, audio, imports) is hostile input: damage is an
// error naming the file (error_kind::corrupt_file), never a crash or a silently wrong answer.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sonavec/clusters.h"
#include "sonavec/descriptors.h"
#include "sonavec/duplicates.h"
#include "sonavec/engine.h"
#include "sonavec/export.h"
#include "sonavec/find.h"
#include "sonavec/file_tags.h"
#include "sonavec/linear_probe.h"
#include "sonavec/map.h"
#include "sonavec/recurring.h"
#include "sonavec/timeline.h"
#include "sonavec/tagging.h"
#include "sonavec/track.h"

namespace sonavec {

// --- What the catalog holds ---

enum class entry_status { ok, failed };
std::string entry_status_name(entry_status status);  // "ok", "failed"

struct catalog_window {
    double start_seconds = 0;
    double length_seconds = 0;
    std::vector<float> vector;
};

// One audio file of the library (or one imported record).
// A zero-shot label stored for a track (sonavec/tagging.h, by library::retag).
struct inferred_tag {
    std::string taxonomy, label;  // "mood", "melancholic"; a subgenre label is "parent/child"
    double probability = 0;
};

// {"mood": [{"label": "melancholic", "probability": 0.31}, ...], "genre": [...]}, by taxonomy then
// probability as stored: what search --json and the exports print.
std::string inferred_tags_json(const std::vector<inferred_tag>& tags);

struct catalog_entry {
    int64_t id = 0;                   // assigned by the catalog; stable while the path stays
    std::string path;                 // absolute, as found on disk (or as imported)
    uint64_t size_bytes = 0;
    int64_t mtime_ns = 0;
    std::string content_hash;         // hex digest of the file's bytes ("" for imported vectors)
    double duration_seconds = 0;
    std::string format;               // container as FFmpeg names it ("mp3", "flac", "wav", ...)
    int sample_rate = 0;              // the file's own rate and channel count
    int channels = 0;
    std::map<std::string, std::string> tags;  // title, artist, album, genre, year, ... (lower-case keys)
    entry_status status = entry_status::ok;
    std::string error;                // why it failed (status failed)
    std::string model_id;             // which model made the vector (model_identity)
    std::string window_plan;          // "seed", "full", "first" (then " window=S hop=S max-seconds=S" for
                                      // what was not the default), or "import"
    std::vector<float> vector;        // dim floats, unit length; empty when failed
    std::vector<catalog_window> windows;  // per-window vectors, when they were asked for
    std::vector<inferred_tag> inferred;   // zero-shot tags, by taxonomy then probability (not the file's own)
    // Tempo, key, loudness, energy, loop (library::analyze), while the file's bytes are those analysed.
    // Stored: bpm, bpm_confidence, key, camelot, key_confidence, loudness_lufs, loudness_range_lu,
    // true_peak_dbtp, energy, loop; the rest keeps its defaults (duration and format are the entry's).
    std::optional<track_descriptors> descriptors;
};

struct catalog_stats {
    int64_t files = 0, ok = 0, failed = 0, windows = 0;
    std::map<std::string, int64_t> by_model;   // model_id -> files
    std::map<std::string, int64_t> by_format;  // format -> files
    std::vector<std::pair<std::string, std::string>> failures;  // (path, error), the first by path
    int64_t analysed = 0;                          // tracks with descriptors for their current bytes
    int64_t fingerprinted = 0;                     // tracks with a fingerprint for their current bytes
    std::map<std::string, int64_t> by_taxonomy;    // taxonomy (and "learned") -> tracks with inferred tags
};

// The ok rows' vectors of one model as one row-major matrix.
struct catalog_vectors {
    std::vector<int64_t> ids;
    int64_t dim = 0;
    std::vector<float> data;  // ids.size() x dim
};

// --- Inferred tags ---

struct retag_params {
    // The labels stored per track and taxonomy: those multi_label_tags(rule) keeps, or the most
    // probable one when it keeps none (a flat distribution still names its best guess).
    multi_label_rule rule;
    bool use_cache = true;  // the label prompts' text vectors through the text cache
    int threads = 0;        // 0 = all cores
    std::function<void(const std::string& taxonomy, size_t done, size_t total)> progress;  // per taxonomy
};

struct retag_report {
    std::string model_id;
    size_t tracks = 0, taxonomies = 0, labels = 0;
    size_t stored = 0;           // inferred tags written (the probes' among them)
    size_t probes = 0;           // learned probes of the model applied again (library::learn)
    double scoring_seconds = 0;  // the matrix products and softmaxes alone (no text tower, no writing)
};

// --- Learned probes (sonavec/linear_probe.h) ---

// A probe's tags are inferred tags of this taxonomy, labelled with its name: --where learned=NAME.
constexpr const char* learned_taxonomy = "learned";

struct learn_params {
    probe_params probe;
    // The model whose vectors the examples are; by default the examples' own (they must agree).
    std::optional<std::string> model_id;
};

struct learn_report {
    linear_probe probe;   // as stored, with its name, model, weights and cross-validated accuracy
    size_t tracks = 0;    // the model's tracks it was applied to
    size_t tagged = 0;    // of them, those whose probability reached the threshold
    double seconds = 0;   // training and cross-validation
};

// --- Indexing ---

struct index_progress {
    size_t done = 0, total = 0;  // files embedded or failed so far, of those to embed
    std::string path;            // the file just committed
    std::string error;           // why it failed; empty on success
};

struct index_params {
    track_embed_params track;  // window plan and per-window vectors (validated against the engine)
    int threads = 0;           // workers, one core each (0: all cores); the vectors do not depend on it
    bool force = false;        // embed every file again, changed or not
    // Called on the calling thread after each file's row is committed.
    std::function<void(const index_progress&)> progress;
    // Called once the plan is made, before anything is embedded (counts for a message).
    std::function<void(size_t found, size_t to_embed, size_t unchanged, size_t to_remove, size_t other_model)> planned;
    // When it turns true, the run stops after the files in flight (committed) and throws error_kind::cancelled;
    // what was committed stays, and the next run carries on from there.
    const std::atomic<bool>* cancel = nullptr;
    // Then store the acoustic fingerprint (sonavec/fingerprint.h) of every ok track under the roots that
    // has none for its bytes, for duplicates: unchanged files of a library indexed before too. Each file
    // is decoded again (its first 120 s at 11025 Hz).
    bool fingerprints = true;
    // Called on the calling thread after each fingerprint is committed (done of total to fingerprint).
    std::function<void(const index_progress&)> fingerprint_progress;
};

struct index_report {
    std::filesystem::path library;
    size_t found = 0;      // audio files under the roots
    size_t embedded = 0;   // computed now
    size_t reused = 0;     // same bytes as an ok row (moved, copied, touched): vectors copied
    size_t unchanged = 0;  // same size, mtime, model and plan as their ok rows: not opened
    size_t removed = 0;    // rows of vanished files (and of paths replaced by their real paths) dropped
    size_t other_model = 0;  // files embedded again because their rows held another model's vectors
    // (path, reason, retried): failures of this run (retried true) and files that failed before and are
    // unchanged since (retried false: tried again only when they change).
    struct failure {
        std::string path, error;
        bool retried = true;
    };
    std::vector<failure> failures;
    // Folders that could not be listed and files that could not be stat'ed (path, reason): their rows
    // are kept as they are, neither removed nor embedded again.
    std::vector<std::pair<std::string, std::string>> unreadable;
    std::string vector_index;   // what the vector index is now ("exact, 1200 x 512 (rebuilt)")
    std::string index_failure;  // why the vector index could not be built ("" when it was)
    size_t fingerprinted = 0;  // fingerprints computed now
    // Segments-plan recordings whose whole-recording print (fingerprint and levels: find, recurring,
    // the timeline) was computed now; a failure is listed in fingerprint_failures.
    size_t recordings_printed = 0;
    // (path, reason): tracks whose fingerprint could not be computed (their vectors are kept).
    std::vector<std::pair<std::string, std::string>> fingerprint_failures;
    double seconds = 0;

    bool complete() const {
        return failures.empty() && unreadable.empty() && index_failure.empty() && fingerprint_failures.empty();
    }
};

// --- Tags for the files (sonavec/file_tags.h writes them) ---

// ReplayGain 2.0's reference loudness: a track's gain is this minus its integrated loudness.
inline constexpr double replaygain_reference_lufs = -18.0;
// Opus's (RFC 7845 R128_TRACK_GAIN): EBU R128's target level.
inline constexpr double r128_reference_lufs = -23.0;

// What sonavec computed for a track, as write-tags fields (sonavec/file_tags.h tag_fields):
//   bpm                    the tempo rounded to a whole number (ID3v2's TBPM is an integer)
//   key                    ID3v2's TKEY notation, which the other formats follow: "A", "F#", "Dbm"
//   replaygain_track_gain  -18 LUFS minus the integrated loudness, "%+.2f dB" (ReplayGain 2.0)
//   replaygain_track_peak  the true peak as a linear amplitude, "%.6f"
//   r128_track_gain        instead of both for .opus files (RFC 7845 forbids REPLAYGAIN_* there):
//                          256 x (-23 LUFS minus the loudness), rounded, as Opus's Q7.8 dB
//   genre                  the most probable inferred genre (a subgenre by its own name)
//   mood                   the inferred moods, at most three, most probable first, joined by "; "
// Only those it has: none of the first four without descriptors, no genre or mood without tags.
tag_fields computed_tag_fields(const catalog_entry& e);

// --- Acoustic descriptors ---

struct analyze_params {
    descriptor_params descriptors;
    // The tracks under these files or folders (absolute or relative, as index takes them); all when empty.
    std::vector<std::filesystem::path> roots;
    bool force = false;  // analyse again tracks whose descriptors are current
    int threads = 0;     // files analysed at once, one core each (0: all cores)
    // Called on the calling thread after each file (index_progress: done, total, path, error).
    std::function<void(const index_progress&)> progress;
    // When it turns true no new file is started; what was analysed is kept (error_kind::cancelled).
    const std::atomic<bool>* cancel = nullptr;
};

struct analyze_report {
    size_t analyzed = 0;  // descriptors computed and stored now
    size_t current = 0;   // already analysed, the same bytes: left as they are
    // (path, reason): files that could not be read or analysed, or changed since they were indexed.
    std::vector<std::pair<std::string, std::string>> failures;
    double seconds = 0;
};

// --- Searching ---

enum class index_choice { automatic, exact, ann };
// "auto", "exact" or "ann"; throws error_kind::invalid_input otherwise.
index_choice parse_index_choice(const std::string& name);
std::string index_choice_name(index_choice choice);

// Which tracks a search may return. Evaluated by the catalog (SQL), never by loading every row.
struct search_filter {
    std::optional<double> min_seconds, max_seconds;  // duration bounds, inclusive
    std::string format;     // a container name ("flac"; FFmpeg's lists such as "mov,mp4,m4a" match any member)
    std::string path_glob;  // a shell pattern over the whole path ('*/drums/*'); '*' crosses '/'
    std::string tag_key, tag_value;  // tag_key's value contains tag_value, ASCII case-insensitive
    // Inferred tags, each required: (taxonomy, label) with the label as stored or its part after the
    // last '/' ("indie rock" for "rock/indie rock"), ASCII case-insensitive.
    std::vector<std::pair<std::string, std::string>> inferred;
    // Descriptors (library::analyze): a tempo range, inclusive, and a key; a track not analysed matches
    // neither. The key is a name or a Camelot code ("A minor", "Bbm", "8A"), compared by Camelot code
    // so that spellings agree (key_camelot, sonavec/descriptors.h). A track without a beat has no
    // tempo: a tempo bound leaves it out.
    std::optional<double> min_bpm, max_bpm;
    std::string key;

    bool any() const {
        return min_seconds || max_seconds || !format.empty() || !path_glob.empty() || !tag_key.empty() ||
               !inferred.empty() || min_bpm || max_bpm || !key.empty();
    }
};

// What a search ranks by: the vectors (CLAP similarity), the words (a lexical match over the track's
// path, its file's own tags and its inferred tags), or both fused.
enum class search_mode { audio, text, hybrid };
// "audio", "text", "hybrid"; parse_search_mode throws invalid_input for anything else.
const char* search_mode_name(search_mode mode);
search_mode parse_search_mode(const std::string& name);

struct search_params {
    int64_t k = 10;
    // audio: nearest vectors. text: the words' best lexical matches, BM25 through SQLite FTS5 (Porter
    // stems, so "kicks" finds "kick"; a file name's "BigKick_02" is "big kick 02"), the vectors unused
    // (search_text needs no model then). hybrid: both rankings fused by reciprocal rank fusion, each
    // track scoring the sum of 1 / (rrf_k + rank) over the rankings that hold it (Cormack, Clarke &
    // Buettcher, SIGIR 2009, whose k = 60 is kept: it was chosen there across many collections and
    // needs no tuning per collection), each ranking rrf_depth deep.
    search_mode mode = search_mode::audio;
    // The lexical query: any words (matched as separate words, any of them); search_text uses its text
    // when this is empty. text and hybrid searches by vector, file or track need it.
    std::string words;
    int rrf_k = 60;
    int64_t rrf_depth = 0;  // 0: max(100, 10 k)
    search_filter filter;
    index_choice index = index_choice::automatic;
    int nprobe = 0;           // IVF lists probed (0: the value tuned when the index was built)
    int threads = 0;          // for building the index and scanning a large library (0: all cores)
    // The model whose vectors are searched: by default the engine's (text and audio queries), the track's
    // own (similar), and required for search_vector on a library of several models.
    std::optional<std::string> model_id;
    std::optional<int64_t> exclude_id;  // a track left out (similar leaves out the query itself)
    // true: when the catalog has changed since this handle loaded the vector index (another handle's or
    // process's commit, as during a server's index run), answer from the index loaded before while a
    // background thread loads the new one, instead of waiting for it. Tracks removed since are never
    // returned; tracks added since are found once the load ends. For long-lived handles (sonavec serve).
    bool stale_index_ok = false;
};

struct search_match {
    float score = 0;      // cosine similarity with the query vector (0 in a text search, which has none)
    catalog_entry track;  // without vectors
    // Text and hybrid searches: the track's rank (1 = best; 0: not in it) in the vector ranking and in
    // the lexical one, its BM25 score there (higher is better; 0 outside it) and its fused score.
    int64_t audio_rank = 0, text_rank = 0;
    double text_score = 0, fused = 0;
};

// --- Recommendations and paths ---

// Something a recommendation starts from: a library track, an audio file (its stored vector when the
// library holds it, else embedded now) or a description.
struct recommend_seed {
    enum class kind { track, file, text };
    kind what = kind::track;
    int64_t id = 0;              // kind::track
    std::filesystem::path file;  // kind::file
    std::string text;            // kind::text
    double weight = 1;           // > 0: how much this seed counts among its side's
};

struct recommend_params {
    std::vector<recommend_seed> like, unlike;  // at least one to like
    search_params search;                      // k, filters, model (the engine's, else the seeds')
    // The query: the weighted mean of the liked seeds minus unlike_weight x the weighted mean of the
    // others, normalised (Rocchio's relevance feedback: Manning, Raghavan & Schuetze, "Introduction to
    // Information Retrieval", section 9.1.1, give 0.75 and 0.15 beside an original query; with seeds
    // alone the liked side is 1 and the other 0.5 here, so that one negative seed visibly moves the
    // results. A starting value, not tuned: semantic quality cannot be measured without real weights).
    double unlike_weight = 0.5;
    // Maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998): each next result maximises
    // (1 - diversity) x cos(query, t) - diversity x max cos(t, results so far). 0: plain nearest first.
    double diversity = 0.3;
    size_t per_folder = 0;  // at most this many results from one folder (0: no cap)
    size_t per_artist = 0;  // at most this many with one artist tag (0: no cap; untagged tracks are not capped)
    track_embed_params track;  // how a file seed outside the library is embedded
    bool use_cache = true;     // text seeds through the text cache
};

struct path_params {
    int64_t from = 0, to = 0;  // library track ids, of one model
    size_t steps = 10;         // tracks in the path, from and to included (at least 2)
    search_params search;      // filters for the tracks between (k is not used)
};

struct library_stats {
    std::filesystem::path dir, catalog_file;
    uint64_t catalog_bytes = 0;
    catalog_stats counts;
    int schema_version = 0;
    struct index_state {
        bool present = false;     // LIBRARY/vectors.index exists
        bool current = false;     // and matches the catalog and one of its models
        uint64_t file_bytes = 0;
        std::string description;  // "exact, 1200 x 512, model M", or why it cannot be used
        int64_t memory_bytes = 0;
    } index;
};

struct prune_report {
    std::vector<std::string> removed;  // paths of files that no longer exist (all of them, for a dry run)
    uint64_t bytes_before = 0, bytes_after = 0;
};

struct import_report {
    size_t records = 0;
    int64_t dim = 0;
    std::string model_id;
    size_t replaced = 0;     // rows already in the library under the same paths
    int64_t normalised = 0;  // vectors rescaled to unit length
    int64_t renamed = 0;     // repeated desktop trackNames numbered
};

class library {
public:
    enum class open_mode {
        create,     // make the folder and an empty catalog when there is none
        existing,   // error_kind::not_found when there is none
        read_only,  // the same, and write nothing (the write methods throw error_kind::invalid_input)
    };

    // $XDG_DATA_HOME/sonavec/library, else ~/.local/share/sonavec/library.
    static std::filesystem::path default_dir();
    // Opens (and upgrades, when it is writable and of an older schema) dir/catalog.sqlite.
    static std::unique_ptr<library> open(const std::filesystem::path& dir, open_mode mode = open_mode::create);
    virtual ~library() = default;

    virtual const std::filesystem::path& dir() const = 0;

    // Adds folders (walked recursively) and files, or brings them up to date: new and changed files are
    // embedded with eng, vanished ones dropped, unchanged ones skipped unopened; then the vector index of
    // eng's model is rebuilt when the catalog changed. A root that does not exist is error_kind::not_found
    // (an unmounted disk is never taken as deleted files); a file that fails is reported, not thrown.
    virtual index_report index(const std::vector<std::filesystem::path>& roots, const engine& eng,
                               const index_params& params) = 0;

    // Best first. A query from another model's space than the vectors searched is refused.
    virtual std::vector<search_match> search_vector(std::span<const float> query, const search_params& params) const = 0;
    // The text embedded with eng (through the text cache, text_cache_file(), unless use_cache is false).
    virtual std::vector<search_match> search_text(const std::string& text, const engine& eng, const search_params& params,
                                                  bool use_cache = true) const = 0;
    // An audio file: its stored vector when the library holds it (and it is left out of the results),
    // else embedded now with eng and track (the seed plan by default).
    virtual std::vector<search_match> search_file(const std::filesystem::path& file, const engine* eng,
                                                  const search_params& params,
                                                  const track_embed_params& track = {}) const = 0;
    // The library's track id: its stored vector, of its own model; the track is left out of the results.
    virtual std::vector<search_match> similar(int64_t id, const search_params& params) const = 0;

    virtual std::optional<catalog_entry> find(int64_t id, bool with_vectors = false) const = 0;
    virtual std::optional<catalog_entry> find(const std::string& path, bool with_vectors = false) const = 0;
    // The row of an audio file on disk, looked up as index stores it: by its absolute path, else by its
    // real path (symlinks resolved).
    virtual std::optional<catalog_entry> find_file(const std::filesystem::path& file, bool with_vectors = false) const = 0;
    // model_id -> ok files: which models' vectors the library holds.
    virtual std::map<std::string, int64_t> models() const = 0;
    // Every row, by id, without vectors (with inferred tags and descriptors): failed rows included.
    virtual std::vector<catalog_entry> entries() const = 0;
    // One model's ok vectors (all rows' when not given; their sizes must agree).
    virtual catalog_vectors vectors(const std::optional<std::string>& model_id = std::nullopt) const = 0;
    virtual library_stats stats(size_t max_failures = 20) const = 0;

    // Drops the rows of files that no longer exist (never imported records) and compacts the catalog.
    virtual prune_report prune(bool dry_run = false) = 0;

    // One model's ok tracks (model_id, or the only model the library holds) in a format other tools load.
    virtual export_report export_to(std::ostream& out, const export_options& options,
                                    const std::optional<std::string>& model_id = std::nullopt) const = 0;
    // The same to a file, written atomically (npy also writes FILE.paths.txt, and FILE.windows.txt with windows).
    virtual export_report export_to(const std::filesystem::path& file, const export_options& options,
                                    const std::optional<std::string>& model_id = std::nullopt) const = 0;
    // Vectors made elsewhere (sonavec/export.h lists the formats). The file is checked whole first: a
    // refused file changes nothing.
    virtual import_report import_from(const std::filesystem::path& file, const import_options& options) = 0;

    // Recomputes the inferred tags of every track of eng's model for these taxonomies from the stored
    // vectors and the labels' text vectors alone: no audio is decoded or embedded. A taxonomy's old tags
    // are replaced; other taxonomies' are kept. Holds the writer lock.
    virtual retag_report retag(const engine& eng, const std::vector<taxonomy>& taxonomies, const retag_params& params) = 0;

    // Tracks like the liked seeds and unlike the others (recommend_params), seeds left out, best first;
    // score is the cosine with the query. eng embeds text seeds and files outside the library (null:
    // none may be given).
    virtual std::vector<search_match> recommend(const recommend_params& params, const engine* eng) const = 0;

    // A playlist from one track to another: step i of n is the track nearest the spherical
    // interpolation slerp(from, to, i / (n - 1)) not already in it, from first and to last; score is
    // the cosine with that point. Throws invalid_input when the library has too few tracks.
    virtual std::vector<search_match> path(const path_params& params) const = 0;

    // Where a clip plays inside the library's segments-plan recordings (sonavec/find.h): its first window
    // (up to the tower's 10 s) is the query. eng must be the segments' model; the recordings are decoded
    // again for the refinement (a missing file keeps its stored windows' span and score).
    virtual find_report find_clip(const std::filesystem::path& clip, const engine& eng, const find_params& params) const = 0;
    // Stretches of the recordings that match a description (the text through the text cache).
    virtual find_report find_text(const std::string& text, const engine& eng, const find_params& params) const = 0;
    // Audio that recurs across the segments-plan recordings (sonavec/recurring.h), without a query: from
    // their fingerprints, so no engine. not_found when the library has no such recording with a print.
    virtual recurring_report recurring(const recurring_params& params) const = 0;
    // What each stretch of the segments-plan recordings holds (sonavec/timeline.h): speech, music,
    // speech over music, noise or silence, from their stored windows and levels (no audio is decoded).
    // eng gives the kinds' vectors (unless params.labels does) and the logit scale. not_found when the
    // library has no segments-plan recording of the model (under params.path_glob).
    virtual timeline_report timeline(const timeline_params& params, const engine& eng) const = 0;

    // Duplicate groups in up to three tiers (sonavec/duplicates.h), for review: nothing is changed. Tier 2
    // uses the fingerprints index stored; tracks without one are counted in without_fingerprint.
    virtual duplicate_report duplicates(const duplicate_params& params) const = 0;

    // Clusters of one model's tracks (sonavec/clusters.h): k-means or density-based, named and with
    // their most central tracks first. Nothing is stored.
    virtual cluster_report clusters(const cluster_params& params) const = 0;

    // The 2D map of one model's tracks (sonavec/map.h). Tracks on the stored map whose vectors are
    // unchanged keep their points and only the others are laid out, unless params.rebuild; the points
    // are stored (params.store; holds the writer lock), so that the next map keeps them too.
    virtual map_report map(const map_params& params) = 0;

    // Each of a map's points' category, for colouring it (write_map_picture, the web page's map): by
    // "cluster" ("cluster N: name" from clusters(clusters), with clusters.model_id the map's; outliers ""),
    // "folder" (the file's folder's name), "none" (all ""), or a taxonomy's name, matched without case
    // (its most probable stored tag; error_kind::not_found when no track of the map has one).
    virtual std::vector<std::string> map_categories(const map_report& map, const std::string& by,
                                                    const cluster_params& clusters = {}) const = 0;

    // Computes and stores the acoustic descriptors (sonavec/descriptors.h) of the ok tracks under
    // params.roots that have none for their current bytes, decoding each file again (no model is
    // needed). A file changed since it was indexed is reported, not analysed: its row would not match.
    // Imported vectors have no file and are left out.
    virtual analyze_report analyze(const analyze_params& params) = 0;

    // Trains a linear probe NAME (train_probe) on the stored vectors of the examples, stores it (replacing
    // one of that name) and applies it to every track of its model: those at or above its threshold get
    // the inferred tag (learned_taxonomy, name, probability), in the same transaction. retag applies the
    // model's probes again (to tracks added since). Each example is a track id in decimal, a file the
    // library holds, or a folder (its tracks under it, by path, as index resolves roots); one that
    // matches nothing is error_kind::not_found naming it, a track in both sets or without a vector
    // error_kind::invalid_input. A name is 1 to 100 bytes without ',', '=', '/' or control characters.
    // Holds the writer lock.
    virtual learn_report learn(const std::string& name, const std::vector<std::string>& positives,
                               const std::vector<std::string>& negatives, const learn_params& params) = 0;
    // The stored probes, by name.
    virtual std::vector<linear_probe> probes() const = 0;
    // Drops a probe and its tags; error_kind::not_found when there is none of that name.
    virtual void remove_probe(const std::string& name) = 0;
};

// Model ids and their file counts as one line for messages ("M1 (3 files), M2 (1 files)"; "none").
std::string models_text(const std::map<std::string, int64_t>& models);

// The text cache: a repeated query or prompt list skips the tokenizer and the text tower.
// $XDG_CACHE_HOME/sonavec/text-cache.sqlite; keyed by the model's files, this build and the precision.
std::filesystem::path text_cache_file();
// eng.embed_texts through the cache (rows in the order of texts); cache trouble is a logged warning,
// never an error. With use_cache false it is eng.embed_texts.
std::vector<float> embed_texts_cached(const engine& eng, const std::vector<std::string>& texts, bool use_cache = true);

// Query texts' vectors for a process that answers many searches at once (sonavec serve): the most recent
// max_texts are kept in memory, the others come from embed_texts_cached. The text tower already uses
// every core the engine was given, so texts that miss are embedded one at a time: many at once would
// only oversubscribe the cores, and slow every other request with them. Safe to call from any thread.
class text_query_vectors {
public:
    explicit text_query_vectors(const engine& eng, size_t max_texts = 4096, bool use_cache = true);
    ~text_query_vectors();
    text_query_vectors(const text_query_vectors&) = delete;
    text_query_vectors& operator=(const text_query_vectors&) = delete;

    std::vector<float> vector(const std::string& text);  // eng.dim() floats

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sonavec
