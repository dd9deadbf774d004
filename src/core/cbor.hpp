// Bounded CBOR decoding on libcbor for the small, attacker-supplied
// structures of WebAuthn (attestation objects, COSE keys, extensions):
// definite lengths only, no tags, a depth limit, and RAII ownership.
#pragma once
#include <cbor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::core::cbor {

inline constexpr int kMaxDepth = 16;

// The length in bytes of the first CBOR data item of `data`, or nullopt when
// it is malformed, truncated, deeper than kMaxDepth, or uses an
// indefinite length or a tag (neither occurs in CTAP2's encoding).
std::optional<size_t> item_length(std::string_view data);

// An owned, decoded item.
class Item {
 public:
  Item() = default;
  explicit Item(cbor_item_t* raw) : raw_(raw) {}
  Item(Item&& o) noexcept : raw_(o.raw_) { o.raw_ = nullptr; }
  Item& operator=(Item&& o) noexcept;
  Item(const Item&) = delete;
  Item& operator=(const Item&) = delete;
  ~Item();
  const cbor_item_t* get() const { return raw_; }

 private:
  cbor_item_t* raw_ = nullptr;
};

struct Decoded {
  Item item;
  size_t length = 0;  // bytes of `data` the item took
};

// Decodes the first item of `data` (item_length's rules); trailing bytes are
// left to the caller.
std::optional<Decoded> decode_prefix(std::string_view data);
// Decodes `data`, which must be exactly one item.
std::optional<Item> decode_exactly(std::string_view data);

// Readers on a decoded item; nullopt / nullptr when the type differs.
std::optional<int64_t> as_int(const cbor_item_t* item);
std::optional<std::string> as_bytes(const cbor_item_t* item);
std::optional<std::string> as_text(const cbor_item_t* item);
bool is_map(const cbor_item_t* item);

// The value under an integer or text key of a map; nullptr when the key is
// absent, present more than once, or `map` is not a map.
const cbor_item_t* map_get(const cbor_item_t* map, int64_t key);
const cbor_item_t* map_get(const cbor_item_t* map, std::string_view key);

}  // namespace latchkey::core::cbor
