#include "nn/pytorch_checkpoint.h"

#include <string_view>

#include "nn/state_dict_pickle.h"
#include "nn/zip_archive.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// torch names every entry "<archive>/..." after the file's stem; find it from the one data.pkl.
std::string archive_prefix(const zip_archive& zip, const std::string& where) {
    constexpr std::string_view suffix = "/data.pkl";
    std::string prefix;
    int found = 0;
    for (const auto& [name, entry] : zip.entries()) {
        if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string head = name.substr(0, name.size() - suffix.size());
        if (head.find('/') != std::string::npos) continue;
        prefix = head;
        found++;
    }
    if (found == 0)
        throw error(error_kind::corrupt_file,
                    where + ": zip archive has no <archive>/data.pkl: not a PyTorch checkpoint");
    if (found > 1) throw error(error_kind::corrupt_file, where + ": zip archive holds more than one data.pkl");
    return prefix;
}

struct storage_entry {
    byte_span bytes;
    dtype type;
};

}  // namespace

pytorch_checkpoint::pytorch_checkpoint(std::unique_ptr<mapped_file> file) {
    file_ = std::move(file);
    const std::string where = file_->path().string();
    const zip_archive zip(file_->data(), file_->size(), where);
    const std::string prefix = archive_prefix(zip, where);

    // Storages are raw host-order bytes; torch records the writer's order when it is not implied.
    if (zip.find(prefix + "/byteorder")) {
        const byte_span order = zip.contents(prefix + "/byteorder");
        if (std::string_view(reinterpret_cast<const char*>(order.data), order.size) != "little")
            throw error(error_kind::unsupported,
                        where + ": checkpoint was written big-endian; only little-endian is supported");
    }

    const byte_span pickle = zip.contents(prefix + "/data.pkl");
    std::map<std::string, storage_entry> storages;
    for (auto& [name, record] : read_state_dict_pickle(pickle.data, pickle.size, where)) {
        const std::string what = where + ": tensor '" + name + "'";
        const size_t item = dtype_size(record.type);

        // Several tensors may view one storage; each storage is located and size-checked once.
        auto it = storages.find(record.storage_key);
        if (it == storages.end()) {
            const byte_span bytes = zip.contents(prefix + "/data/" + record.storage_key);
            if (static_cast<uint64_t>(record.storage_numel) != bytes.size / item || bytes.size % item != 0)
                throw error(error_kind::corrupt_file,
                            what + ": storage '" + record.storage_key + "' holds " + std::to_string(bytes.size) +
                                " bytes, not " + std::to_string(record.storage_numel) + " " + dtype_name(record.type) +
                                " elements");
            it = storages.emplace(record.storage_key, storage_entry{bytes, record.type}).first;
        } else if (it->second.type != record.type) {
            throw error(error_kind::corrupt_file,
                        what + ": storage '" + record.storage_key + "' is read as both " + dtype_name(it->second.type) +
                            " and " + dtype_name(record.type));
        }
        const storage_entry& storage = it->second;
        const int64_t storage_numel = static_cast<int64_t>(storage.bytes.size / item);
        if (record.storage_numel != storage_numel)
            throw error(error_kind::corrupt_file,
                        what + ": storage '" + record.storage_key + "' is given " +
                            std::to_string(record.storage_numel) + " elements here and " +
                            std::to_string(storage_numel) + " elsewhere");

        const int64_t numel = checked_numel(record.shape, what);
        // Views are used in place, so the layout must be plain row-major (size-1 dims may have any stride).
        int64_t expected_stride = 1;
        for (size_t i = record.shape.size(); i-- > 0;) {
            if (numel != 0 && record.shape[i] != 1 && record.stride[i] != expected_stride)
                throw error(error_kind::unsupported,
                            what + ": stride " + shape_string(record.stride) + " of shape " +
                                shape_string(record.shape) + " is not contiguous row-major");
            expected_stride *= record.shape[i];
        }
        if (record.storage_offset < 0 || record.storage_offset > storage_numel ||
            numel > storage_numel - record.storage_offset)
            throw error(error_kind::corrupt_file,
                        what + ": " + std::to_string(numel) + " elements at offset " +
                            std::to_string(record.storage_offset) + " run past the " + std::to_string(storage_numel) +
                            "-element storage '" + record.storage_key + "'");

        tensor_view view;
        view.type = record.type;
        view.shape = std::move(record.shape);
        view.data = storage.bytes.data + static_cast<size_t>(record.storage_offset) * item;
        view.nbytes = static_cast<size_t>(numel) * item;
        if (!tensors_.emplace(name, std::move(view)).second)
            throw error(error_kind::corrupt_file, where + ": tensor '" + name + "' appears twice in the state dict");
    }
}

}  // namespace sonavec
