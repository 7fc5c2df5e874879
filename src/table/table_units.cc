// Table's reads of unit-compressed data blocks (docs/table_format.md,
// table/unit_block.h): a block's directory and units read, checked and
// decompressed one at a time, for point reads (GetFromUnits), for seeks
// (NewUnitDataIterator) and for VerifyChecksums (VerifyUnitBlock).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "cache/block_cache.h"
#include "table/block_buffer.h"
#include "table/compression.h"
#include "table/format.h"
#include "table/table.h"
#include "table/unit_block.h"

namespace strata::internal {

namespace {

// A recycled buffer (table/block_buffer.h) for one read, given back when
// the read is done with it.
class ScratchBuffer {
 public:
  explicit ScratchBuffer(size_t size) : buffer_(AcquireBlockBuffer(size)) {}
  ~ScratchBuffer() {
    RecycleBlockBuffer(std::move(buffer_.data), buffer_.capacity);
  }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  char* get() { return buffer_.data.get(); }

 private:
  BlockBuffer buffer_;
};

}  // namespace

// One unit-compressed data block read a unit at a time: its directory, read
// by Open(), and its units, read, checked and decompressed on demand. Not
// movable: the directory points into the reader.
class Table::UnitReader {
 public:
  UnitReader(const Table& table, const BlockHandle& handle, bool verify)
      : table_(table), handle_(handle), verify_(verify) {}
  UnitReader(const UnitReader&) = delete;
  UnitReader& operator=(const UnitReader&) = delete;

  // Reads the block's last bytes (where the directory usually lies whole)
  // and its trailer's type. `*is_units` false: the block is stored
  // another way, or its handle is not one the whole-block read would
  // accept (that read then says what is wrong); nothing more is read.
  Status Open(bool* is_units) {
    *is_units = false;
    const uint64_t limit = table_.index_handle_.offset;
    if (handle_.size > limit || handle_.offset > limit - handle_.size ||
        limit - handle_.size - handle_.offset < kBlockTrailerSize ||
        handle_.size < kUnitTailSize + 1 ||
        handle_.size > kMaxUncompressedBlockSize) {
      return Status::OK();
    }
    const auto stored = static_cast<size_t>(handle_.size);
    // The directory at the end, then a unit somewhere before it: the
    // block is asked for together first — for a block of a page or two —
    // from a file whose reads have been missing the page cache, its pages
    // (one device read instead of two); from a mapped file in memory, its
    // cache lines (one wait for memory instead of two). A larger block's
    // unit is a small part of it, and is read alone.
    if (stored + kBlockTrailerSize <= kPiecesHintLimit) {
      table_.file_->WillReadPieces(handle_.offset, stored + kBlockTrailerSize);
    }
    const size_t tail_size = std::min(stored, kTailGuess);
    Slice tail;
    STRATA_RETURN_IF_ERROR(table_.file_->Read(
        handle_.offset + stored - tail_size, tail_size + 1, &tail, tail_));
    if (tail.size() != tail_size + 1) return Truncated(handle_.offset);
    const auto type = static_cast<uint8_t>(tail[tail_size]);
    if (!IsUnitCompression(type)) return Status::OK();
    *is_units = true;
    codec_ = UnitCodec(type);
    size_t directory_size = 0;
    Status s = UnitDirectory::Size(
        Slice(tail.data() + tail_size - kUnitTailSize, kUnitTailSize), stored,
        &directory_size);
    if (!s.ok()) return Corrupt(handle_.offset, s);
    Slice bytes;
    if (directory_size <= tail_size) {
      bytes = Slice(tail.data() + tail_size - directory_size, directory_size);
    } else {
      large_ = std::make_unique_for_overwrite<char[]>(directory_size);
      STRATA_RETURN_IF_ERROR(
          table_.file_->Read(handle_.offset + stored - directory_size,
                             directory_size, &bytes, large_.get()));
      if (bytes.size() != directory_size) return Truncated(handle_.offset);
    }
    s = directory_.Parse(bytes, stored, type, verify_);
    if (!s.ok()) return Corrupt(handle_.offset, s);
    // The units, located once: reading them in any order is then O(1) a
    // unit however many the block has.
    const uint32_t n = directory_.num_units();
    if (n > kInlineUnits) {
      more_units_ = std::make_unique<UnitDirectory::Unit[]>(n);
      units_ = more_units_.get();
    } else {
      // The bytes hold an array of units (an implicit-lifetime type: an
      // aggregate) from the start; nothing is constructed until assigned.
      units_ =
          std::launder(reinterpret_cast<UnitDirectory::Unit*>(inline_units_));
    }
    UnitDirectory::Cursor c = directory_.Begin();
    for (uint32_t i = 0; i < n; ++i) units_[i] = directory_.Next(&c);
    num_units_ = n;
    return Status::OK();
  }

  uint32_t num_units() const { return num_units_; }
  // The first unit that can hold a key >= `key`.
  uint32_t Find(const Slice& key) const {
    const Comparator* const cmp = table_.options_.comparator;
    for (uint32_t i = 0; i + 1 < num_units(); ++i) {
      if (cmp->Compare(units_[i].separator, key) >= 0) return i;
    }
    return num_units() - 1;
  }

  // Checks what a whole-block read does not, against `whole` (the block
  // read whole): each unit's checksum; that the units, read one by one,
  // hold exactly the whole block's entries; and that each separator lies
  // between its unit's last key and the next unit's first (a reader of one
  // unit trusts all three). For VerifyChecksums.
  Status VerifyUnits(const Block& whole) const {
    const Comparator* const cmp = table_.options_.comparator;
    BlockIter all(cmp, &whole, nullptr,
                  BlockErrorContext{&table_.file_name_, handle_.offset,
                                    table_.options_.filter_key_suffix_len});
    all.SeekToFirst();
    for (uint32_t i = 0; i < num_units(); ++i) {
      std::optional<BlockIter> it;
      STRATA_RETURN_IF_ERROR(ReadUnit(i, &it));
      const uint64_t offset = handle_.offset + units_[i].offset;
      auto corrupt = [&](std::string_view what) {
        return CorruptionAt(table_.file_name_, offset, what);
      };
      it->SeekToFirst();
      if (i > 0 && it->Valid() &&
          cmp->Compare(units_[i - 1].separator, it->key()) >= 0) {
        return corrupt("unit separator not below the unit's first key");
      }
      std::string last;  // a copy: the iterator's key changes as it moves
      for (; it->Valid(); it->Next(), all.Next()) {
        if (!all.Valid() || all.key() != it->key() ||
            all.value() != it->value()) {
          return corrupt("unit entries differ from the block's");
        }
        last.assign(it->key().data(), it->key().size());
      }
      STRATA_RETURN_IF_ERROR(it->status());
      if (i + 1 < num_units() && !last.empty() &&
          cmp->Compare(Slice(last), units_[i].separator) > 0) {
        return corrupt("unit separator below the unit's last key");
      }
    }
    STRATA_RETURN_IF_ERROR(all.status());
    if (all.Valid()) {
      return CorruptionAt(table_.file_name_, handle_.offset,
                          "unit entries differ from the block's");
    }
    return Status::OK();
  }

  // An iterator over unit `i` alone, as a block of its own: the unit's
  // entries and one restart point at 0.
  // REQUIRES: Open() found units; i < num_units().
  Status ReadUnit(uint32_t i, std::optional<BlockIter>* iter) const {
    std::shared_ptr<const Block> block;
    STRATA_RETURN_IF_ERROR(ReadUnitBlock(i, &block));
    const Block* raw = block.get();
    iter->emplace(table_.options_.comparator, raw, std::move(block),
                  UnitContext(i));
    return Status::OK();
  }
  // Errors name the unit, and bytes counted from its start.
  BlockErrorContext UnitContext(uint32_t i) const {
    return BlockErrorContext{&table_.file_name_,
                             handle_.offset + units_[i].offset,
                             table_.options_.filter_key_suffix_len};
  }
  // Unit `i` read, checked, decompressed and parsed as a block of its own
  // (what ReadUnit iterates). REQUIRES: as ReadUnit.
  Status ReadUnitBlock(uint32_t i,
                       std::shared_ptr<const Block>* out_block) const {
    const UnitDirectory::Unit& unit = units_[i];
    const uint64_t offset = handle_.offset + unit.offset;
    size_t length = 0;
    BlockBuffer out;
    Status s = ReadUnitInto(unit, offset, &length, &out);
    if (!s.ok()) return s;
    size_t entries = length;
    if (i + 1 == num_units()) {
      // The last unit ends with the whole block's restart array.
      const uint32_t restarts =
          length < 4 ? 0 : DecodeFixed32(out.data.get() + length - 4);
      if (length < 4 || restarts > (length - 4) / 4) {
        s = Status::Corruption("unit restart array out of range");
      } else {
        entries = length - 4 - size_t{4} * restarts;
      }
    }
    if (!s.ok()) {
      RecycleBlockBuffer(std::move(out.data), out.capacity);
      return Corrupt(offset, s);
    }
    EncodeFixed32(out.data.get() + entries, 0);
    EncodeFixed32(out.data.get() + entries + 4, 1);
    auto parsed =
        Block::ParseShared(std::move(out.data), entries + 8, out.capacity);
    if (!parsed.ok()) return Corrupt(offset, parsed.status());
    *out_block = std::move(parsed).value();
    return Status::OK();
  }

 private:
  // Unit `unit` (at `offset` in the file) read, checked and decompressed
  // into `*out` (`*length` bytes, and 8 to spare). On a file that lends its
  // bytes (RandomAccessFile::Visit) the unit is checked and decompressed
  // where it lies; on any other it is read into a scratch buffer first.
  Status ReadUnitInto(const UnitDirectory::Unit& unit, uint64_t offset,
                      size_t* length, BlockBuffer* out) const {
    const RandomAccessFile& file = *table_.file_;
    if (file.VisitsInPlace() && !file.ReadsInPlace()) {
      // Two visits, with the output's allocation between them (see
      // InPlaceUnit).
      InPlaceUnit visit{this, &unit};
      STRATA_RETURN_IF_ERROR(
          file.Visit(offset, unit.size, nullptr, &InPlaceUnit::Look, &visit));
      if (!visit.status.ok()) return Corrupt(offset, visit.status);
      *out = AcquireBlockBuffer(visit.length + 8);
      visit.output = out->data.get();
      Status s = file.Visit(offset, unit.size, nullptr,
                            &InPlaceUnit::Decompress, &visit);
      if (!s.ok()) ResetThreadDecompressor();  // it may have been abandoned
      if (s.ok() && !visit.status.ok()) s = Corrupt(offset, visit.status);
      if (!s.ok()) {
        RecycleBlockBuffer(std::move(out->data), out->capacity);
        return s;
      }
      *length = visit.length;
      return Status::OK();
    }
    ScratchBuffer scratch(unit.size);
    Slice in;
    STRATA_RETURN_IF_ERROR(file.Read(offset, unit.size, &in, scratch.get()));
    if (in.size() != unit.size) return Truncated(offset);
    if (verify_ && crc32c::Value(in.data(), in.size()) != unit.crc) {
      return CorruptionAt(table_.file_name_, offset, "unit checksum mismatch");
    }
    Status s = UncompressedLength(codec_, &in, length);
    if (!s.ok()) return Corrupt(offset, s);
    *out = AcquireBlockBuffer(*length + 8);
    s = UncompressInto(codec_, in, *length, out->data.get());
    if (!s.ok()) {
      RecycleBlockBuffer(std::move(out->data), out->capacity);
      return Corrupt(offset, s);
    }
    return Status::OK();
  }

  // A unit read where it lies: the first visit learns the size it
  // decompresses to (from its first bytes, before its checksum is known: a
  // size past kUncheckedSizeLimit is believed only once the checksum
  // matches), the second checks the checksum and decompresses the bytes it
  // checked into `output`. Nothing a visit holds needs a destructor while
  // it reads the bytes (an error's Status is made after its last read).
  struct InPlaceUnit {
    // The most a unit's unchecked bytes may have allocated for them.
    static constexpr size_t kUncheckedSizeLimit = size_t{1} << 20;

    const UnitReader* reader;
    const UnitDirectory::Unit* unit;
    Status status;
    size_t length = 0;
    char* output = nullptr;

    // The checksum, when asked for; false (and `status`) on a mismatch.
    bool Verified(const Slice& bytes) {
      if (reader->verify_ &&
          crc32c::Value(bytes.data(), bytes.size()) != unit->crc) {
        status = Status::Corruption("unit checksum mismatch");
        return false;
      }
      return true;
    }
    // The unit's bytes without the compressed form's length prefix, and
    // the length it gives; false (and `status`) when they are damaged.
    bool Prefix(const Slice& bytes, Slice* in, size_t* length) {
      *in = bytes;
      status = UncompressedLength(reader->codec_, in, length);
      return status.ok();
    }
    static void Look(void* arg, const Slice& bytes) {
      auto* v = static_cast<InPlaceUnit*>(arg);
      if (bytes.size() != v->unit->size) {
        v->status = Status::Corruption("truncated block read");
        return;
      }
      Slice in;
      // Damage claims what it likes: a large claim (or none) is checked
      // before the caller allocates for it (a mismatch replaces the
      // verdict on the claim).
      if (!v->Prefix(bytes, &in, &v->length) ||
          v->length > kUncheckedSizeLimit) {
        PrefetchLines(bytes.data(), bytes.size());
        (void)v->Verified(bytes);
      }
    }
    static void Decompress(void* arg, const Slice& bytes) {
      auto* v = static_cast<InPlaceUnit*>(arg);
      if (bytes.size() != v->unit->size) {
        v->status = Status::Corruption("truncated block read");
        return;
      }
      PrefetchLines(bytes.data(), bytes.size());
      if (!v->Verified(bytes)) return;
      Slice in;
      size_t length = 0;
      if (!v->Prefix(bytes, &in, &length)) return;
      if (length != v->length) {
        v->status = Status::Corruption("unit changed between reads");
        return;
      }
      v->status = UncompressInto(v->reader->codec_, in, length, v->output);
    }
  };

  // The directory of a block of 4 KiB of 100-byte entries is ~70 bytes.
  static constexpr size_t kTailGuess = 248;
  // The largest block whose pages a point read asks for together: two
  // 4 KiB pages.
  static constexpr size_t kPiecesHintLimit = 8192;

  Status Corrupt(uint64_t offset, const Status& s) const {
    return CorruptionAt(table_.file_name_, offset, s.message());
  }
  Status Truncated(uint64_t offset) const {
    return CorruptionAt(table_.file_name_, offset, "truncated block read");
  }

  const Table& table_;
  const BlockHandle handle_;
  const bool verify_;
  Compression codec_ = Compression::kNone;
  char tail_[kTailGuess + 1];
  std::unique_ptr<char[]> large_;  // a directory larger than kTailGuess
  UnitDirectory directory_;
  // The units, located once; separators point into the directory. Up to
  // kInlineUnits (a 4 KiB block has 3 or 4) live in the reader itself.
  static constexpr uint32_t kInlineUnits = 16;
  alignas(UnitDirectory::Unit) std::byte
      inline_units_[kInlineUnits * sizeof(UnitDirectory::Unit)];
  std::unique_ptr<UnitDirectory::Unit[]> more_units_;  // more than that
  UnitDirectory::Unit* units_ = nullptr;
  uint32_t num_units_ = 0;
};

Status Table::GetFromUnits(
    const TableReadOptions& ro, const BlockHandle& handle, const Slice& key,
    const std::function<bool(const Slice&, const Slice&)>& handler,
    bool* served, bool* more) const {
  *more = false;
  UnitReader reader(*this, handle, ro.verify_checksums);
  STRATA_RETURN_IF_ERROR(reader.Open(served));
  if (!*served) return Status::OK();
  const uint32_t first = reader.Find(key);
  for (uint32_t i = first; i < reader.num_units(); ++i) {
    std::shared_ptr<const Block> block;
    STRATA_RETURN_IF_ERROR(reader.ReadUnitBlock(i, &block));
    // On the stack: a point read allocates no iterator.
    BlockIter it(options_.comparator, block.get(), nullptr,
                 reader.UnitContext(i));
    if (i == first) {
      it.Seek(key);
    } else {
      it.SeekToFirst();
    }
    for (; it.Valid(); it.Next()) {
      if (!handler(it.key(), it.value())) return Status::OK();
    }
    STRATA_RETURN_IF_ERROR(it.status());
  }
  *more = true;
  return Status::OK();
}

// A data block's iterator for a seek in a table of unit-compressed blocks
// (and for the block or two a cursor steps into after it; a scan gets
// whole blocks): it waits for its first move to read anything. On a block
// that is unit-compressed and neither cached nor read often enough to
// cache (BlockCache::AdmitOnRepeat), it reads the unit that move needs and
// then the units Next and Prev walk into, one at a time; on any other
// block, it reads the block whole, through the cache.
class Table::DataIter final : public InternalIterator {
 public:
  DataIter(const Table& table, const TableReadOptions& ro,
           const BlockHandle& handle)
      : table_(table), ro_(ro), handle_(handle) {}

  bool Valid() const override {
    return status_.ok() && current_.has_value() && current_->Valid();
  }
  void SeekToFirst() override {
    if (!Choose()) return;
    if (!units_.has_value()) {
      current_->SeekToFirst();
    } else if (Load(0)) {
      current_->SeekToFirst();
      SkipForward();
    }
  }
  void SeekToLast() override {
    if (!Choose()) return;
    if (!units_.has_value()) {
      current_->SeekToLast();
    } else if (Load(units_->num_units() - 1)) {
      current_->SeekToLast();
      SkipBackward();
    }
  }
  void Seek(const Slice& target) override {
    if (!Choose()) return;
    if (!units_.has_value()) {
      current_->Seek(target);
      return;
    }
    if (!Load(units_->Find(target))) return;
    current_->Seek(target);
    SkipForward();
  }
  void SeekForPrev(const Slice& target) override {
    if (!Choose()) return;
    if (!units_.has_value()) {
      current_->SeekForPrev(target);
      return;
    }
    if (!Load(units_->Find(target))) return;
    current_->SeekForPrev(target);
    SkipBackward();
  }
  void Next() override {
    current_->Next();
    if (units_.has_value()) SkipForward();
  }
  void Prev() override {
    current_->Prev();
    if (units_.has_value()) SkipBackward();
  }
  Slice key() const override { return current_->key(); }
  Slice value() const override { return current_->value(); }
  Status status() const override {
    if (!status_.ok() || !current_.has_value()) return status_;
    return current_->status();
  }
  bool NextAndGet(Slice* key, Slice* value) override {
    Next();
    if (!Valid()) return false;
    *key = current_->key();
    *value = current_->value();
    return true;
  }

 private:
  // Reads the block whole (and caches it). False on an error.
  bool Whole() {
    std::shared_ptr<const Block> block;
    status_ = table_.GetDataBlock(ro_, handle_, &block);
    return status_.ok() && Adopt(std::move(block));
  }
  bool Adopt(std::shared_ptr<const Block> block) {
    const Block* raw = block.get();
    current_.emplace(table_.options_.comparator, raw, std::move(block),
                     BlockErrorContext{&table_.file_name_, handle_.offset,
                                       table_.options_.filter_key_suffix_len});
    return true;
  }
  // Before a positioning move: decides how the block is read, the first
  // time. False on an error.
  bool Choose() {
    if (!status_.ok()) return false;
    if (current_.has_value()) return true;
    BlockCache* const cache = table_.options_.block_cache;
    const BlockCacheKey key{table_.cache_id_, handle_.offset};
    if (cache != nullptr) {
      auto hit = std::static_pointer_cast<const Block>(cache->Lookup(key));
      if (hit != nullptr) return Adopt(std::move(hit));
      if (ro_.fill_cache && cache->AdmitOnRepeat(key)) return Whole();
    }
    units_.emplace(table_, handle_, ro_.verify_checksums);
    bool is_units = false;
    status_ = units_->Open(&is_units);
    if (!status_.ok() || !is_units) units_.reset();
    if (!status_.ok()) return false;
    if (!is_units) {
      std::shared_ptr<const Block> block;
      status_ = table_.ReadDataBlock(ro_, handle_, &block);
      return status_.ok() && Adopt(std::move(block));
    }
    return true;
  }
  // Makes unit `i` the current one. False on an error.
  bool Load(uint32_t i) {
    // A re-seek into the unit at hand (the merging iterator turning
    // around) repositions it without reading it again.
    if (current_.has_value() && unit_ == i) return true;
    current_.reset();
    status_ = units_->ReadUnit(i, &current_);
    if (!status_.ok()) {
      current_.reset();
      return false;
    }
    unit_ = i;
    return true;
  }
  // Past the current unit's last entry: on to the next unit's first.
  void SkipForward() {
    while (!current_->Valid() && current_->status().ok() &&
           unit_ + 1 < units_->num_units()) {
      if (!Load(unit_ + 1)) return;
      current_->SeekToFirst();
    }
  }
  // Before the current unit's first entry: back to the previous unit's
  // last.
  void SkipBackward() {
    while (!current_->Valid() && current_->status().ok() && unit_ > 0) {
      if (!Load(unit_ - 1)) return;
      current_->SeekToLast();
    }
  }

  const Table& table_;
  const TableReadOptions ro_;
  const BlockHandle handle_;
  Status status_;
  // Both in the iterator itself: a seek allocates no more than it.
  std::optional<UnitReader> units_;  // while reading unit by unit
  uint32_t unit_ = 0;
  std::optional<BlockIter> current_;  // the block's, or the unit's
};

std::unique_ptr<InternalIterator> Table::NewUnitDataIterator(
    const TableReadOptions& ro, const BlockHandle& handle) const {
  return std::make_unique<DataIter>(*this, ro, handle);
}

Status Table::VerifyUnitBlock(const BlockHandle& handle,
                              const Block& whole) const {
  UnitReader units(*this, handle, /*verify=*/true);
  bool is_units = false;
  STRATA_RETURN_IF_ERROR(units.Open(&is_units));
  return is_units ? units.VerifyUnits(whole) : Status::OK();
}

}  // namespace strata::internal
