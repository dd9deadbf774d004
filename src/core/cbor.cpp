#include "core/cbor.hpp"

#include <limits>
#include <vector>

namespace latchkey::core::cbor {
namespace {

// Walks the item headers with libcbor's streaming decoder, keeping a stack
// of how many items each open container still needs, so that the tree is
// only built (by cbor_load) once the input is known to be small and flat
// enough: a declared length can never exceed the bytes left, and the depth
// is bounded (cbor_decref frees recursively).
struct Scan {
  std::vector<uint64_t> open;  // items still due per open container
  size_t bytes_left = 0;
  bool failed = false;
  bool done = false;
};

Scan& state(void* ctx) { return *static_cast<Scan*>(ctx); }

void finish_item(Scan& s) {
  while (true) {
    if (s.open.empty()) {
      s.done = true;
      return;
    }
    if (--s.open.back() > 0) return;
    s.open.pop_back();  // that container is complete: one item of its parent
  }
}

void start_container(Scan& s, uint64_t items) {
  if (items > s.bytes_left || s.open.size() >= static_cast<size_t>(kMaxDepth)) {
    s.failed = true;
    return;
  }
  if (items == 0) {
    finish_item(s);
    return;
  }
  s.open.push_back(items);
}

void on_leaf(void* ctx) { finish_item(state(ctx)); }
void on_u8(void* ctx, uint8_t) { on_leaf(ctx); }
void on_u16(void* ctx, uint16_t) { on_leaf(ctx); }
void on_u32(void* ctx, uint32_t) { on_leaf(ctx); }
void on_u64(void* ctx, uint64_t) { on_leaf(ctx); }
void on_string(void* ctx, cbor_data, size_t) { on_leaf(ctx); }
void on_f32(void* ctx, float) { on_leaf(ctx); }
void on_f64(void* ctx, double) { on_leaf(ctx); }
void on_bool(void* ctx, bool) { on_leaf(ctx); }
void on_array(void* ctx, size_t n) { start_container(state(ctx), n); }
void on_map(void* ctx, size_t n) {
  // Two items (key and value) per entry.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  start_container(state(ctx), n > kMax / 2 ? kMax : uint64_t(n) * 2);
}
void on_refused(void* ctx) { state(ctx).failed = true; }
void on_refused_tag(void* ctx, uint64_t) { state(ctx).failed = true; }

const cbor_callbacks& scan_callbacks() {
  static const cbor_callbacks callbacks = [] {
    cbor_callbacks c = cbor_empty_callbacks;
    c.uint8 = c.negint8 = on_u8;
    c.uint16 = c.negint16 = on_u16;
    c.uint32 = c.negint32 = on_u32;
    c.uint64 = c.negint64 = on_u64;
    c.byte_string = c.string = on_string;
    c.array_start = on_array;
    c.map_start = on_map;
    c.float2 = c.float4 = on_f32;
    c.float8 = on_f64;
    c.boolean = on_bool;
    c.null = c.undefined = on_leaf;
    c.byte_string_start = c.string_start = c.indef_array_start = c.indef_map_start = c.indef_break =
        on_refused;
    c.tag = on_refused_tag;
    return c;
  }();
  return callbacks;
}

}  // namespace

std::optional<size_t> item_length(std::string_view data) {
  Scan s;
  size_t pos = 0;
  const auto* bytes = reinterpret_cast<cbor_data>(data.data());
  while (!s.done) {
    if (pos >= data.size()) return std::nullopt;
    s.bytes_left = data.size() - pos;
    auto r = cbor_stream_decode(bytes + pos, data.size() - pos, &scan_callbacks(), &s);
    if (r.status != CBOR_DECODER_FINISHED || s.failed || r.read == 0) return std::nullopt;
    pos += r.read;
  }
  return pos;
}

Item& Item::operator=(Item&& o) noexcept {
  if (this != &o) {
    if (raw_) cbor_decref(&raw_);
    raw_ = o.raw_;
    o.raw_ = nullptr;
  }
  return *this;
}

Item::~Item() {
  if (raw_) cbor_decref(&raw_);
}

std::optional<Decoded> decode_prefix(std::string_view data) {
  auto length = item_length(data);
  if (!length) return std::nullopt;
  cbor_load_result result{};
  cbor_item_t* raw = cbor_load(reinterpret_cast<cbor_data>(data.data()), *length, &result);
  Item item(raw);
  if (!raw || result.error.code != CBOR_ERR_NONE || result.read != *length) return std::nullopt;
  return Decoded{std::move(item), *length};
}

std::optional<Item> decode_exactly(std::string_view data) {
  auto d = decode_prefix(data);
  if (!d || d->length != data.size()) return std::nullopt;
  return std::move(d->item);
}

std::optional<int64_t> as_int(const cbor_item_t* item) {
  if (!item || !cbor_is_int(item)) return std::nullopt;
  uint64_t v = cbor_get_int(item);
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  // A negative integer n is encoded as -1 - n.
  return cbor_isa_negint(item) ? -1 - static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

std::optional<std::string> as_bytes(const cbor_item_t* item) {
  if (!item || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                     cbor_bytestring_length(item));
}

std::optional<std::string> as_text(const cbor_item_t* item) {
  if (!item || !cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                     cbor_string_length(item));
}

bool is_map(const cbor_item_t* item) {
  return item && cbor_isa_map(item) && cbor_map_is_definite(item);
}

namespace {

template <typename Match>
const cbor_item_t* find_unique(const cbor_item_t* map, Match match) {
  if (!is_map(map)) return nullptr;
  const cbor_pair* pairs = cbor_map_handle(map);
  const cbor_item_t* found = nullptr;
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    if (!match(pairs[i].key)) continue;
    if (found) return nullptr;  // a duplicate key makes the map ambiguous
    found = pairs[i].value;
  }
  return found;
}

}  // namespace

const cbor_item_t* map_get(const cbor_item_t* map, int64_t key) {
  return find_unique(map, [key](const cbor_item_t* k) { return as_int(k) == key; });
}

const cbor_item_t* map_get(const cbor_item_t* map, std::string_view key) {
  return find_unique(map, [key](const cbor_item_t* k) { return as_text(k) == key; });
}

}  // namespace latchkey::core::cbor
