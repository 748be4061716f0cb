// The timeline of one recording (sonavec/timeline.h) from what is stored about it: its windows' zero-shot
// probabilities over the kinds, and its level every 0.1 s. No catalog, no model: library_timeline.cpp
// gathers the inputs, this lays them out.
#pragma once
#include <cstddef>
#include <vector>

#include "sonavec/timeline.h"

namespace sonavec {

struct timeline_input {
    std::vector<double> starts;          // the windows', in time order
    std::vector<float> lengths;
    std::vector<float> probabilities;    // windows x kinds.size(), each row summing to 1
    std::vector<segment_kind> kinds;     // the columns' kinds (never silence)
    std::vector<float> levels_db;        // empty: no silence is looked for
    double seconds_per_level = 0;
};

// Throws invalid_input naming the first parameter out of its bounds.
void check_timeline_params(const timeline_params& p);

// Cells from each window start to the next (the last to its window's end) take the mean probabilities of
// the windows covering them; runs of levels below silence_db lasting min_silence_seconds are silence,
// laid over them; a stretch left between two others shorter than a level step joins the one before it;
// neighbours of one kind merge.
std::vector<timeline_segment> build_timeline(const timeline_input& in, double silence_db, double min_silence_seconds);

// The silent stretches of a recording's levels: [start, end) pairs in seconds.
std::vector<std::pair<double, double>> silent_stretches(const std::vector<float>& levels_db, double seconds_per_level,
                                                        double silence_db, double min_silence_seconds);

}  // namespace sonavec
