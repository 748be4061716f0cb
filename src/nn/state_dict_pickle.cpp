#include "nn/state_dict_pickle.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "sonavec/error.h"

namespace sonavec {

namespace {

// Generous for any real state dict (the full CLAP model needs a few tens of thousands of objects),
// small enough that a hostile pickle cannot exhaust memory.
constexpr size_t max_pickle_bytes = 64ull << 20;
constexpr size_t max_objects = 1u << 20;
constexpr size_t max_stack = 1u << 20;
constexpr size_t max_mark_depth = 64;
constexpr size_t max_memo = 1u << 20;
constexpr size_t max_container_items = 1u << 20;
constexpr uint64_t max_string_bytes = 1u << 20;
constexpr size_t max_global_name = 256;
constexpr size_t max_dims = 8;

enum class object_kind { none, boolean, integer, floating, string, tuple, list, dict, global, storage, tensor };
enum class callable { ordered_dict, rebuild_tensor_v2, rebuild_parameter, storage_class };

struct object {
    object_kind kind = object_kind::none;
    int64_t integer = 0;                              // integer and boolean
    std::string text;                                 // string
    std::vector<object*> items;                       // tuple, list
    std::vector<std::pair<object*, object*>> entries; // dict, in insertion order
    callable function = callable::ordered_dict;       // global
    dtype storage_type = dtype::f32;                  // global storage_class
    pickled_tensor tensor;                            // storage (key, type, numel) and tensor
};

const char* kind_name(object_kind k) {
    switch (k) {
        case object_kind::none: return "None";
        case object_kind::boolean: return "bool";
        case object_kind::integer: return "int";
        case object_kind::floating: return "float";
        case object_kind::string: return "str";
        case object_kind::tuple: return "tuple";
        case object_kind::list: return "list";
        case object_kind::dict: return "dict";
        case object_kind::global: return "global";
        case object_kind::storage: return "storage";
        case object_kind::tensor: return "tensor";
    }
    return "?";
}

struct storage_class {
    const char* name;
    dtype type;
};
constexpr storage_class storage_classes[] = {
    {"FloatStorage", dtype::f32}, {"HalfStorage", dtype::f16},  {"BFloat16Storage", dtype::bf16},
    {"DoubleStorage", dtype::f64}, {"LongStorage", dtype::i64}, {"IntStorage", dtype::i32},
    {"ShortStorage", dtype::i16},  {"CharStorage", dtype::i8},  {"ByteStorage", dtype::u8},
    {"BoolStorage", dtype::boolean},
};

class unpickler {
public:
    unpickler(const std::byte* data, size_t size, const std::string& where)
        : data_(data), size_(size), where_(where) {}

    object* run();

private:
    const std::byte* data_;
    size_t size_;
    const std::string& where_;
    size_t pos_ = 0;
    size_t op_offset_ = 0;
    std::vector<std::unique_ptr<object>> arena_;  // owns every object, so shared and cyclic references are safe
    std::vector<object*> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, object*> memo_;

    [[noreturn]] void fail(const std::string& message, error_kind kind = error_kind::corrupt_file) const {
        throw error(kind, where_ + ": data.pkl at byte " + std::to_string(op_offset_) + ": " + message);
    }

    const std::byte* take(uint64_t n) {
        if (n > size_ - pos_) fail("truncated pickle");
        const std::byte* p = data_ + pos_;
        pos_ += static_cast<size_t>(n);
        return p;
    }
    uint64_t take_le(size_t n) {
        const std::byte* p = take(n);
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) v |= std::to_integer<uint64_t>(p[i]) << (8 * i);
        return v;
    }
    std::string take_line() {
        if (pos_ == size_) fail("truncated pickle");
        const void* found = std::memchr(data_ + pos_, '\n', std::min(size_ - pos_, max_global_name + 1));
        if (!found) fail("GLOBAL name is unterminated or longer than " + std::to_string(max_global_name) + " bytes");
        const auto* end = static_cast<const std::byte*>(found);
        std::string line(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(end - (data_ + pos_)));
        pos_ += line.size() + 1;
        return line;
    }

    object* make(object_kind kind) {
        if (arena_.size() >= max_objects) fail("more than " + std::to_string(max_objects) + " objects");
        arena_.push_back(std::make_unique<object>());
        arena_.back()->kind = kind;
        return arena_.back().get();
    }
    void push(object* o) {
        if (stack_.size() >= max_stack) fail("stack deeper than " + std::to_string(max_stack));
        stack_.push_back(o);
    }
    object* pop() {
        if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
        object* o = stack_.back();
        stack_.pop_back();
        return o;
    }
    object* top() {
        if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
        return stack_.back();
    }
    std::vector<object*> pop_to_mark() {
        if (marks_.empty()) fail("no MARK to pop to");
        const size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<object*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
        stack_.resize(mark);
        return items;
    }
    object* expect(object* o, object_kind kind, const char* what) {
        if (o->kind != kind)
            fail(std::string(what) + " must be a " + kind_name(kind) + ", not a " + kind_name(o->kind));
        return o;
    }

    void memo_put(uint64_t index) {
        if (memo_.size() >= max_memo && !memo_.count(index)) fail("memo larger than " + std::to_string(max_memo));
        memo_[index] = top();
    }
    object* memo_get(uint64_t index) {
        auto it = memo_.find(index);
        if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
        return it->second;
    }

    object* make_integer(int64_t v) {
        object* o = make(object_kind::integer);
        o->integer = v;
        return o;
    }
    object* make_string(uint64_t length) {
        if (length > max_string_bytes) fail("string of " + std::to_string(length) + " bytes is too long");
        const std::byte* p = take(length);
        object* o = make(object_kind::string);
        o->text.assign(reinterpret_cast<const char*>(p), static_cast<size_t>(length));
        return o;
    }
    object* make_tuple(std::vector<object*> items) {
        object* o = make(object_kind::tuple);
        o->items = std::move(items);
        return o;
    }

    object* resolve_global(const std::string& module, const std::string& name);
    object* persistent_load(object* pid);
    object* reduce(object* function, object* args);
    void set_items(object* dict, const std::vector<object*>& items);
    void append(object* list, const std::vector<object*>& items);
    std::vector<int64_t> int_tuple(object* o, const char* what);
};

object* unpickler::resolve_global(const std::string& module, const std::string& name) {
    object* o = make(object_kind::global);
    if (module == "collections" && name == "OrderedDict") {
        o->function = callable::ordered_dict;
        return o;
    }
    if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
        o->function = callable::rebuild_tensor_v2;
        return o;
    }
    if (module == "torch._utils" && name == "_rebuild_parameter") {
        o->function = callable::rebuild_parameter;
        return o;
    }
    if (module == "torch") {
        for (const storage_class& s : storage_classes) {
            if (name == s.name) {
                o->function = callable::storage_class;
                o->storage_type = s.type;
                return o;
            }
        }
    }
    fail("refusing global '" + module + "." + name + "': a state dict needs only tensors and OrderedDict",
         error_kind::unsupported);
}

// torch/serialization.py persistent_id: ('storage', storage_type, key, location, numel).
object* unpickler::persistent_load(object* pid) {
    expect(pid, object_kind::tuple, "persistent id");
    if (pid->items.size() != 5 || pid->items[0]->kind != object_kind::string || pid->items[0]->text != "storage")
        fail("persistent id is not a ('storage', type, key, location, numel) tuple");
    object* type = expect(pid->items[1], object_kind::global, "storage type");
    if (type->function != callable::storage_class) fail("storage type is not a torch storage class");
    object* key = expect(pid->items[2], object_kind::string, "storage key");
    expect(pid->items[3], object_kind::string, "storage location");
    object* numel = expect(pid->items[4], object_kind::integer, "storage size");
    if (numel->integer < 0) fail("storage size " + std::to_string(numel->integer) + " is negative");
    object* storage = make(object_kind::storage);
    storage->tensor.storage_key = key->text;
    storage->tensor.type = type->storage_type;
    storage->tensor.storage_numel = numel->integer;
    return storage;
}

void unpickler::append(object* list, const std::vector<object*>& items) {
    expect(list, object_kind::list, "APPENDS target");
    if (items.size() > max_container_items - list->items.size())
        fail("list with more than " + std::to_string(max_container_items) + " items");
    list->items.insert(list->items.end(), items.begin(), items.end());
}

std::vector<int64_t> unpickler::int_tuple(object* o, const char* what) {
    expect(o, object_kind::tuple, what);
    if (o->items.size() > max_dims) fail(std::string(what) + " has more than " + std::to_string(max_dims) + " dims");
    std::vector<int64_t> values;
    for (object* item : o->items) values.push_back(expect(item, object_kind::integer, what)->integer);
    return values;
}

object* unpickler::reduce(object* function, object* args) {
    expect(function, object_kind::global, "REDUCE callable");
    expect(args, object_kind::tuple, "REDUCE arguments");
    const std::vector<object*>& a = args->items;
    switch (function->function) {
        case callable::ordered_dict:
            if (!a.empty()) fail("OrderedDict must be built empty");
            return make(object_kind::dict);
        case callable::rebuild_tensor_v2: {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (a.size() != 6 && a.size() != 7) fail("_rebuild_tensor_v2 takes 6 or 7 arguments");
            object* t = make(object_kind::tensor);
            t->tensor = expect(a[0], object_kind::storage, "tensor storage")->tensor;
            t->tensor.storage_offset = expect(a[1], object_kind::integer, "storage offset")->integer;
            t->tensor.shape = int_tuple(a[2], "tensor size");
            t->tensor.stride = int_tuple(a[3], "tensor stride");
            if (t->tensor.shape.size() != t->tensor.stride.size()) fail("tensor size and stride differ in rank");
            return t;
        }
        case callable::rebuild_parameter:
            // (data, requires_grad, backward_hooks): a Parameter's data is the tensor we want.
            if (a.size() != 3) fail("_rebuild_parameter takes 3 arguments");
            return expect(a[0], object_kind::tensor, "parameter data");
        case callable::storage_class:
            break;
    }
    fail("a storage class cannot be called directly");
}

void unpickler::set_items(object* dict, const std::vector<object*>& items) {
    expect(dict, object_kind::dict, "SETITEMS target");
    if (items.size() % 2 != 0) fail("SETITEMS needs key/value pairs");
    if (items.size() / 2 > max_container_items - dict->entries.size())
        fail("dict with more than " + std::to_string(max_container_items) + " entries");
    for (size_t i = 0; i < items.size(); i += 2) dict->entries.emplace_back(items[i], items[i + 1]);
}

object* unpickler::run() {
    if (size_ > max_pickle_bytes) fail("pickle of " + std::to_string(size_) + " bytes is too large");
    while (true) {
        op_offset_ = pos_;
        const auto op = static_cast<unsigned char>(std::to_integer<unsigned char>(*take(1)));
        switch (op) {
            case 0x80: {  // PROTO
                const uint64_t v = take_le(1);
                if (v < 2 || v > 5) fail("unsupported pickle protocol " + std::to_string(v), error_kind::unsupported);
                break;
            }
            case 0x95: take(8); break;  // FRAME: a length hint only
            case '.': {                 // STOP
                if (stack_.size() != 1 || !marks_.empty()) fail("STOP with " + std::to_string(stack_.size()) + " objects on the stack");
                return stack_.back();
            }
            case '(':  // MARK
                if (marks_.size() >= max_mark_depth) fail("nesting deeper than " + std::to_string(max_mark_depth));
                marks_.push_back(stack_.size());
                break;
            case 'q': memo_put(take_le(1)); break;           // BINPUT
            case 'r': memo_put(take_le(4)); break;           // LONG_BINPUT
            case 0x94: memo_put(memo_.size()); break;        // MEMOIZE
            case 'h': push(memo_get(take_le(1))); break;     // BINGET
            case 'j': push(memo_get(take_le(4))); break;     // LONG_BINGET
            case 'c': {                                      // GLOBAL
                std::string module = take_line();
                std::string name = take_line();
                push(resolve_global(module, name));
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                object* name = expect(pop(), object_kind::string, "STACK_GLOBAL name");
                object* module = expect(pop(), object_kind::string, "STACK_GLOBAL module");
                push(resolve_global(module->text, name->text));
                break;
            }
            case 'N': push(make(object_kind::none)); break;
            case 0x88:    // NEWTRUE
            case 0x89: {  // NEWFALSE
                object* o = make(object_kind::boolean);
                o->integer = op == 0x88;
                push(o);
                break;
            }
            case 'J': push(make_integer(static_cast<int32_t>(take_le(4)))); break;  // BININT
            case 'K': push(make_integer(static_cast<int64_t>(take_le(1)))); break;  // BININT1
            case 'M': push(make_integer(static_cast<int64_t>(take_le(2)))); break;  // BININT2
            case 0x8a: {  // LONG1: little-endian two's complement of n bytes
                const uint64_t n = take_le(1);
                if (n > 8)
                    fail("integer of " + std::to_string(n) + " bytes does not fit in 64 bits", error_kind::unsupported);
                uint64_t v = n ? take_le(static_cast<size_t>(n)) : 0;
                if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);
                push(make_integer(static_cast<int64_t>(v)));
                break;
            }
            case 'G': take(8); push(make(object_kind::floating)); break;  // BINFLOAT: value unused
            case 'X': push(make_string(take_le(4))); break;                // BINUNICODE
            case 0x8c: push(make_string(take_le(1))); break;               // SHORT_BINUNICODE
            case 0x8d: push(make_string(take_le(8))); break;               // BINUNICODE8
            case ')': push(make_tuple({})); break;                         // EMPTY_TUPLE
            case 0x85: push(make_tuple({pop()})); break;                   // TUPLE1
            case 0x86: {                                                   // TUPLE2
                object* b = pop();
                object* a = pop();
                push(make_tuple({a, b}));
                break;
            }
            case 0x87: {  // TUPLE3
                object* c = pop();
                object* b = pop();
                object* a = pop();
                push(make_tuple({a, b, c}));
                break;
            }
            case 't': push(make_tuple(pop_to_mark())); break;  // TUPLE
            case ']': push(make(object_kind::list)); break;    // EMPTY_LIST
            case 'a': {                                        // APPEND
                object* value = pop();
                append(top(), {value});
                break;
            }
            case 'e': {  // APPENDS
                std::vector<object*> items = pop_to_mark();
                append(top(), items);
                break;
            }
            case '}': push(make(object_kind::dict)); break;  // EMPTY_DICT
            case 's': {                                      // SETITEM
                object* value = pop();
                object* key = pop();
                set_items(top(), {key, value});
                break;
            }
            case 'u': {  // SETITEMS
                std::vector<object*> items = pop_to_mark();
                set_items(top(), items);
                break;
            }
            case 'Q': push(persistent_load(pop())); break;  // BINPERSID
            case 'R': {                                     // REDUCE
                object* args = pop();
                object* function = pop();
                push(reduce(function, args));
                break;
            }
            case 'b': {  // BUILD: only OrderedDict's instance state (_metadata), which we do not need
                object* state = pop();
                expect(top(), object_kind::dict, "BUILD target");
                expect(state, object_kind::dict, "BUILD state");
                break;
            }
            default: {
                static const char hex[] = "0123456789abcdef";
                fail(std::string("unsupported pickle opcode 0x") + hex[op >> 4] + hex[op & 15],
                     error_kind::unsupported);
            }
        }
    }
}

}  // namespace

std::vector<std::pair<std::string, pickled_tensor>> read_state_dict_pickle(const std::byte* data, size_t size,
                                                                           const std::string& where) {
    unpickler u(data, size, where);
    const object* result = u.run();
    if (result->kind != object_kind::dict)
        throw error(error_kind::corrupt_file,
                    where + ": data.pkl holds a " + kind_name(result->kind) + ", not a state dict");
    std::vector<std::pair<std::string, pickled_tensor>> tensors;
    tensors.reserve(result->entries.size());
    for (const auto& [key, value] : result->entries) {
        if (key->kind != object_kind::string)
            throw error(error_kind::corrupt_file,
                        where + ": state dict key is a " + kind_name(key->kind) + ", not a string");
        if (value->kind != object_kind::tensor)
            throw error(
                error_kind::corrupt_file,
                where + ": state dict entry '" + key->text + "' is a " + kind_name(value->kind) + ", not a tensor");
        tensors.emplace_back(key->text, value->tensor);
    }
    return tensors;
}

}  // namespace sonavec
