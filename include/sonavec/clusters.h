// Natural groups in a library's vectors (library::clusters): spherical k-means through FAISS, with k
// chosen when not given, or a density-based method (DBSCAN) that leaves outliers unclustered. Each
// cluster is named by the taxonomy labels nearest its centre and lists its most central tracks.
//
//   sonavec::cluster_params p;                          // k-means, k chosen by silhouette
//   p.labels = {sonavec::prepare_labels(*eng, sonavec::builtin_taxonomy("genre"))};   // optional names
//   sonavec::cluster_report r = lib->clusters(p);
//   for (const auto& c : r.clusters) std::printf("%s: %zu tracks\n", c.name.c_str(), c.members.size());
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sonavec/tagging.h"

namespace sonavec {

enum class cluster_method { kmeans, density };
// "kmeans", "density"; parse_cluster_method throws invalid_input for anything else.
const char* cluster_method_name(cluster_method m);
cluster_method parse_cluster_method(const std::string& name);

struct cluster_params {
    cluster_method method = cluster_method::kmeans;
    // k-means: the number of clusters; 0 chooses it: the k in [2, max_k] with the highest mean
    // silhouette (Rousseeuw, "Silhouettes", J. Comput. Appl. Math. 20, 1987) of a sample of at most
    // 2,000 tracks under cosine distance. max_k 0: min(30, tracks / 10).
    size_t k = 0;
    size_t max_k = 0;
    // density (DBSCAN, Ester et al., KDD 1996, on cosine distance): a track with at least min_size - 1
    // others within the radius is a core; clusters are the cores joined through each other, with the
    // tracks within reach of them; the rest are outliers. radius 0 chooses it: the knee of the sorted
    // distances to each sampled track's (min_size - 1)-th neighbour (the paper's k-dist plot).
    size_t min_size = 5;   // also the smallest cluster either method reports (smaller ones: outliers)
    double radius = 0;     // cosine distance, 0 < radius < 2
    size_t central = 5;    // the most central tracks listed per cluster
    // Names: for each label set, its label nearest the cluster's centre, joined by " / ". Without
    // label sets, the cluster's most frequent stored inferred tags (sonavec retag) of each taxonomy.
    std::vector<label_set> labels;
    std::optional<std::string> model_id;  // the vectors of this model (the library's only one by default)
    uint64_t seed = 1;                    // k-means initialisation and the samples: the same seed, the same clusters
    int threads = 0;                      // 0: all cores
};

struct cluster_info {
    int id = 0;                         // 0, 1, ...: by size, largest first
    std::string name;                   // "ambient / calm / piano"; "" when nothing names it
    std::vector<std::string> name_labels;  // the labels the name is made of
    std::vector<int64_t> members;       // track ids, most central first
    std::vector<double> member_cosine;  // each member's cosine with the centre
    std::vector<float> centre;          // unit length
};

struct cluster_report {
    cluster_method method = cluster_method::kmeans;
    std::vector<cluster_info> clusters;
    std::vector<int64_t> outliers;    // density: in no cluster; k-means: members of clusters under min_size
    size_t tracks = 0;
    size_t k = 0;                     // clusters found (k-means: the k used, before min_size)
    std::string chosen_by;            // "given", "silhouette 0.41 (k 2..30)", "radius 0.23 (knee)"
    double radius = 0;                // density: the radius used
    double seconds = 0;
};

}  // namespace sonavec
