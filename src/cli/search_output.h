// What search, similar, recommend and path share: the filter options and how matches are printed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "sonavec/library.h"

namespace sonavec::cli {

// --min-duration, --max-duration, --format, --path, --tag, --where, --bpm and --key.
std::vector<option_spec> filter_options();
search_filter filter_from(const parsed_args& args);

// A track id: digits only, naming no file (a folder "2024" is a path). An id too large for int64 names
// no track either (ids are SQLite rowids): not_found.
std::optional<int64_t> track_id(const std::string& what);

// The matches as a table on stdout (score, length, path, then tags, descriptors and inferred tags), or
// with json a JSON array of {score, id, path, duration_seconds, tags, inferred, descriptors}.
int print_matches(const library& lib, const std::vector<search_match>& matches, bool json);

// An extended M3U playlist (UTF-8, .m3u8): #EXTINF with the length (-1 when unknown) and "artist -
// title" (or the file name), then the path; written atomically. A path with a line break or bytes that
// are not UTF-8 cannot be written: it is named on stderr and left out.
void write_m3u(const std::filesystem::path& file, const std::vector<search_match>& matches);

// Several such playlists in one folder (made when missing): each (file name, tracks as (id, score)), the
// tracks looked up in lib (an id it no longer holds is left out). For duplicates' and clusters' --m3u.
struct id_playlist {
    std::string file_name;
    std::vector<std::pair<int64_t, double>> tracks;
};
void write_m3u_folder(const library& lib, const std::filesystem::path& dir, const std::vector<id_playlist>& playlists);

// Seconds as H:MM:SS.mmm, for a person reading a list of moments.
std::string clock_time(double s);

// One line of Audacity's label track text (File > Import > Labels): start, end and label, tab-separated.
void print_audacity_label(double start_seconds, double end_seconds, const std::string& label);

}  // namespace sonavec::cli
