#pragma once

// Content-addressed body storage, the part free of any database: a request body is cut into its
// envelope and its items (each element of the top-level messages/input/tools arrays, and a long
// system/instructions value), each item keyed by its SHA-256. Items are slices of the received
// text, never re-serialised, so envelope + items put back together are the body byte for byte,
// whatever its spacing, escapes or validity. docs/architecture.md, "Request bodies".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.hpp"

namespace router::db {

/// One item of a split body: the bytes [offset, offset + size) of the body text.
struct BodyItem {
  std::size_t offset = 0;
  std::size_t size = 0;
  core::Sha256 hash{};
};

/// A body and where its items are. Everything between and around the items is the envelope.
struct SplitBody {
  std::string text;
  std::vector<BodyItem> items;  ///< in text order, not overlapping; empty: stored whole
};

/// Elements shorter than this stay in the envelope: an item row costs more than it can save.
inline constexpr std::size_t kMinItemBytes = 128;

/// Finds the items of a JSON request body by a single scan that records element offsets (no
/// parse tree, no copies beyond taking `body`) and hashes each. A body that is not a JSON object,
/// or is cut short (logging.max_body_bytes), keeps the items found so far or none: every split is
/// exact whatever the input.
[[nodiscard]] SplitBody split_body(std::string body);

/// The envelope of `split`: its text without the items' bytes.
[[nodiscard]] std::string envelope_of(const SplitBody& split);

/// The layout of a split body: for each item, how many envelope bytes precede it since the
/// previous item, as LEB128 varints paired with the item's store id. Opaque to callers.
[[nodiscard]] std::string encode_layout(const SplitBody& split, const std::vector<std::int64_t>& item_ids);

/// One step of a decoded layout.
struct LayoutEntry {
  std::size_t gap = 0;  ///< envelope bytes to copy before the item
  std::int64_t item_id = 0;
};
/// Throws core::Error kInternal for a malformed layout (a damaged database).
[[nodiscard]] std::vector<LayoutEntry> decode_layout(std::string_view layout);

/// Puts a body back together from its envelope, layout and the items' bytes (in layout order).
/// Throws kInternal when they do not fit together.
[[nodiscard]] std::string join_body(std::string_view envelope, const std::vector<LayoutEntry>& layout,
                                    const std::vector<std::string>& items);

/// Stored blobs carry their codec in a first byte: raw, or one zstd frame. Compression is skipped
/// when it would not save anything (small or incompressible text).
[[nodiscard]] std::string pack(std::string_view raw);
/// The text of a pack()ed blob. Throws kInternal for a damaged blob.
[[nodiscard]] std::string unpack(std::string_view blob);

/// A request's bodies ready for the store: the request split and hashed, the envelope and the
/// response packed. Made on the server's worker threads (db::RequestLog::prepared), so the one
/// writer thread only looks items up and stores the new ones.
struct PreparedBodies {
  std::optional<SplitBody> request;     ///< nullopt: not logged
  std::string envelope;                 ///< pack(envelope_of(*request))
  std::optional<std::string> response;  ///< pack()ed; nullopt: not logged
};
[[nodiscard]] PreparedBodies prepare_bodies(std::optional<std::string> request,
                                            const std::optional<std::string>& response);

}  // namespace router::db
