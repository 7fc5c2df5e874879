// The read path: Get, iterators and Count over the pinned super-version.

#include "db/db_impl.h"
#include "db/db_iter.h"
#include "db/snapshot_list.h"

namespace strata::internal {

std::shared_ptr<const SuperVersion> DBImpl::GetSuperVersion() const {
  return super_version_.load(std::memory_order_acquire);
}

SequenceNumber DBImpl::ReadSequence(const ReadOptions& options) const {
  if (options.snapshot != nullptr) return options.snapshot->sequence();
  // acquire: pairs with the leader's release store; every entry up to the
  // loaded number is in the memtable (db_impl.h invariant 2).
  return last_sequence_.load(std::memory_order_acquire);
}

Status DBImpl::Get(const ReadOptions& options, const Slice& key,
                   std::string* value) {
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (value == nullptr) return Status::InvalidArgument("null value pointer");
  STRATA_RETURN_IF_ERROR(CheckOpen());
  // The sequence is read before the super-version: a super-version taken
  // later holds everything the sequence covers.
  const SequenceNumber seq = ReadSequence(options);
  const std::shared_ptr<const SuperVersion> sv = GetSuperVersion();
  const LookupKey lookup(key, seq);
  switch (sv->mem->Get(lookup, value)) {
    case MemTable::GetResult::kFound:
      return Status::OK();
    case MemTable::GetResult::kDeleted:
    case MemTable::GetResult::kNotPresent:
      break;
  }
  return Status::NotFound();
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  Status s = CheckOpen();
  if (!s.ok()) return NewErrorIterator(std::move(s));
  if (options.lower_bound && options.upper_bound &&
      options_.comparator->Compare(*options.lower_bound, *options.upper_bound) > 0) {
    return NewErrorIterator(
        Status::InvalidArgument("iterator bounds", "lower_bound > upper_bound"));
  }
  DBIterOptions iter_options;
  iter_options.user_comparator = options_.comparator;
  iter_options.sequence = ReadSequence(options);
  iter_options.lower_bound = options.lower_bound;
  iter_options.upper_bound = options.upper_bound;
  iter_options.keys_only = options.keys_only;
  std::shared_ptr<const SuperVersion> sv = GetSuperVersion();
  auto source = sv->mem->NewIterator();
  return NewDBIterator(iter_options, std::move(source), std::move(sv));
}

Status DBImpl::Count(const ReadOptions& options, const Slice& begin,
                     const Slice& end, uint64_t* count) {
  if (count == nullptr) return Status::InvalidArgument("null count pointer");
  if (options_.comparator->Compare(begin, end) > 0) {
    return Status::InvalidArgument("Count", "begin > end");
  }
  STRATA_RETURN_IF_ERROR(CheckOpen());
  ReadOptions ro = options;
  ro.keys_only = true;
  if (!ro.lower_bound ||
      options_.comparator->Compare(*ro.lower_bound, begin) < 0) {
    ro.lower_bound = begin.ToString();
  }
  if (!ro.upper_bound || options_.comparator->Compare(end, *ro.upper_bound) < 0) {
    ro.upper_bound = end.ToString();
  }
  if (options_.comparator->Compare(*ro.lower_bound, *ro.upper_bound) >= 0) {
    *count = 0;  // the bounds leave nothing to count
    return Status::OK();
  }
  auto it = NewIterator(ro);
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  STRATA_RETURN_IF_ERROR(it->status());
  *count = n;
  return Status::OK();
}

}  // namespace strata::internal
