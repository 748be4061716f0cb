// Linear probes: a yes/no tag learned from a few examples of one model's vectors, as an L2-regularised
// logistic regression (sonavec learn, library::learn). The library stores them and applies them like a
// taxonomy: each track whose probability reaches the threshold carries the inferred tag learned=NAME.
//
//   sonavec::probe_params pp;                               // l2 = 1, 5-fold cross-validation
//   sonavec::linear_probe p = sonavec::train_probe(pos, n_pos, neg, n_neg, dim, pp);   // row-major
//   std::printf("%.1f %%\n", 100 * p.cv_accuracy);          // on examples held out of each fold's fit
//   if (sonavec::probe_probability(p, v) >= p.threshold) ...
//
// Training is deterministic: the same examples in the same order give the same weights and the same
// folds. Bad arguments (too few examples, wrong sizes, non-finite values) throw error_kind::invalid_input
// and leave nothing half done.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sonavec {

struct probe_params {
    // The weight of 0.5 * |w|^2 against the class-weighted sum of the examples' log losses: 1 / C of
    // scikit-learn's LogisticRegression(class_weight="balanced"), whose default C = 1 this is. Few
    // examples in 512 dimensions are always separable; the penalty keeps the weights finite and the
    // boundary midway, and the bias is not penalised (the classes' balance is the class weights' job).
    double l2 = 1.0;
    int folds = 5;               // cross-validation folds, at most the smaller class's size
    int max_iterations = 100;    // Newton steps per fit
    double tolerance = 1e-6;     // converged when |gradient| <= tolerance * max(1, |gradient at the start|)
};

struct linear_probe {
    std::string name, model_id;  // set by the library; train_probe leaves them empty
    std::vector<float> weights;  // dim
    float bias = 0;
    // p >= threshold is a yes. 0.5 is the decision boundary of the balanced loss itself, not a value
    // tuned on data (no threshold can be tuned honestly on the few examples a probe is given).
    double threshold = 0.5;
    double regularization = 1.0;  // probe_params::l2 it was trained with
    // Cross-validated balanced accuracy: each example predicted by the fit of the folds without it, then
    // the mean of the positives' and the negatives' hit rates (a probe that says no to everything scores
    // 0.5 however many negatives it is given).
    double cv_accuracy = 0;
    size_t positives = 0, negatives = 0;
    int folds = 0;  // of the cross-validation (not stored in the library)
};

// Trains on positives (n_pos x dim, row-major) against negatives (n_neg x dim) with balanced class
// weights (each class weighs half of the loss, however many examples it has), then cross-validates with
// stratified folds: min(params.folds, n_pos, n_neg) of them, examples dealt to folds in a fixed shuffled
// order. Needs at least 2 examples of each class.
linear_probe train_probe(std::span<const float> positives, size_t n_pos, std::span<const float> negatives, size_t n_neg,
                         size_t dim, const probe_params& params = {});

// sigmoid(w . v + bias); v must have the probe's dim.
double probe_probability(const linear_probe& probe, std::span<const float> v);

// The objective train_probe minimises, and its gradient (dim + 1 values, the bias's last) when gradient
// is not null: sum_i c_i * log_loss(y_i, w . x_i + b) + 0.5 * l2 * |w|^2, c_i = n / (2 * n_class(i)).
// Public for tests that check the optimum against finite differences and an independent solver.
double probe_objective(std::span<const float> positives, size_t n_pos, std::span<const float> negatives, size_t n_neg,
                       size_t dim, double l2, std::span<const double> w_and_bias, std::vector<double>* gradient = nullptr);

}  // namespace sonavec
