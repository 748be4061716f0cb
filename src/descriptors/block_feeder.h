// Cuts a stream of mono samples into overlapping blocks (block samples, hop apart) for the frame-based
// analysers (onset detection functions, chromagrams), keeping only what the next block still needs.
#pragma once
#include <cstddef>
#include <vector>

namespace sonavec {

template <typename Sample>
class block_feeder {
public:
    block_feeder(size_t block, size_t hop) : block_(block), hop_(hop) {}

    size_t block() const { return block_; }

    // Calls on_block(const Sample* block_start) for every complete block.
    template <typename F>
    void push(const float* samples, size_t count, F&& on_block) {
        buffer_.insert(buffer_.end(), samples, samples + count);
        while (buffer_.size() - start_ >= block_) {
            on_block(buffer_.data() + start_);
            start_ += hop_;
        }
        if (start_ > 0 && start_ >= buffer_.size() / 2) {  // amortised: move the tail back to the front
            buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
            start_ = 0;
        }
    }

private:
    size_t block_;
    size_t hop_;
    std::vector<Sample> buffer_;
    size_t start_ = 0;
};

}  // namespace sonavec
