// The read path: Get, iterators and Count over the pinned super-version.

#include <algorithm>
#include <chrono>

#include "db/db_impl.h"
#include "db/db_iter.h"
#include "db/level_iterator.h"
#include "db/snapshot_list.h"
#include "table/bloom.h"
#include "table/merging_iterator.h"
#include "version/version_set.h"

namespace strata::internal {

std::shared_ptr<const SuperVersion> DBImpl::GetSuperVersion() const {
  return read_state_.Current();
}

Status DBImpl::GetReadState(const ReadOptions& options,
                            SequenceNumber* sequence,
                            std::shared_ptr<const SuperVersion>* sv) const {
  // acquire: pairs with the leader's release store; every entry up to the
  // loaded number is in the memtable (CommitPipeline invariant 2). Read
  // with the super-version, under its lock (ReadState::Acquire says why).
  return read_state_.Acquire(
      options.snapshot, [this] { return pipeline_.LastSequence(); }, sequence,
      sv);
}

Status DBImpl::CheckReadOptions(const ReadOptions& options) const {
  const bool history = options.all_versions || options.include_deleted ||
                       options.history_from || options.history_to ||
                       options.history_limit > 0;
  if (!icmp_->versioned()) {
    if (options.as_of || history) {
      return Status::InvalidArgument(
          options.as_of ? "ReadOptions::as_of" : "ReadOptions::all_versions",
          "needs a DB created with Options::enable_versioning; " + dbname_ +
              " keeps no history");
    }
    return Status::OK();
  }
  if (!options.all_versions && history) {
    return Status::InvalidArgument(
        "ReadOptions",
        "include_deleted, history_from, history_to and "
        "history_limit apply only with all_versions");
  }
  if (options.history_from && options.history_to &&
      *options.history_from > *options.history_to) {
    return Status::InvalidArgument("ReadOptions", "history_from > history_to");
  }
  return Status::OK();
}

Status DBImpl::CheckHorizon(const ReadOptions& options) const {
  if (!options.as_of) return Status::OK();
  const uint64_t horizon = RetentionHorizon();
  if (*options.as_of >= horizon) return Status::OK();
  return Status::InvalidArgument(
      "ReadOptions::as_of",
      std::to_string(*options.as_of) + " is older than the retention horizon " +
          std::to_string(horizon) +
          " (now - version_retention): versions before it may be gone");
}

uint64_t DBImpl::RetentionHorizon() const {
  // A compaction may have used a later horizon (the clock went back since,
  // or the DB was reopened with less or no retention): versions before it
  // may be gone.
  const uint64_t recorded = versions_->retention_horizon();
  const auto retention =
      static_cast<uint64_t>(options_.version_retention.count());
  if (retention == 0) return recorded;
  const uint64_t now = env_->NowNanos();
  return std::max(now > retention ? now - retention : 0, recorded);
}

Status DBImpl::Get(const ReadOptions& options, const Slice& key,
                   std::string* value) {
  const bool timed = ThreadSampleOneIn(kGetTimingPeriod);
  const auto start = timed ? std::chrono::steady_clock::now()
                           : std::chrono::steady_clock::time_point();
  Status s = GetImpl(options, key, value);
  WakeForReads();  // this Get may have posted a table
  if (!timed) {
    request_stats_.get_micros.CountUntimed();
    return s;
  }
  request_stats_.get_micros.Record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start)
          .count()));
  return s;
}

Status DBImpl::GetImpl(const ReadOptions& options, const Slice& key,
                       std::string* value, uint64_t* timestamp,
                       const PinnedRead* pinned) {
  if (timestamp != nullptr) *timestamp = 0;
  WakeForReads();  // an iterator may have posted a table
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (value == nullptr) return Status::InvalidArgument("null value pointer");
  STRATA_RETURN_IF_ERROR(CheckOpen());
  STRATA_RETURN_IF_ERROR(CheckReadOptions(options));
  if (options.all_versions) {
    return Status::InvalidArgument("Get", "all_versions is for iterators");
  }
  SequenceNumber seq = 0;
  std::shared_ptr<const SuperVersion> held;
  const SuperVersion* sv = nullptr;
  if (pinned != nullptr) {
    seq = pinned->sequence;
    sv = pinned->sv->get();
  } else {
    STRATA_RETURN_IF_ERROR(GetReadState(options, &seq, &held));
    sv = held.get();
  }
  if (icmp_->versioned()) {
    // After the state is pinned: a compaction raises the horizon before it
    // installs what it dropped (db_compaction.cc).
    STRATA_RETURN_IF_ERROR(CheckHorizon(options));
    return GetVersioned(options, key, seq, *sv, value, timestamp);
  }
  const LookupKey lookup(key, seq);
  // Newest source first: the first one that knows the key decides, unless
  // a range tombstone seen so far (in that source or a newer one) is newer
  // than the version it holds. Once a visible tombstone covers the key and
  // a source has nothing newer, the key is deleted: older sources hold only
  // older versions of any key a newer source's tombstone covers (table
  // ranges include their tombstones, so compactions keep that order).
  SequenceNumber covering = 0;
  SequenceNumber found = 0;
  const auto decide = [&](MemTable::GetResult r) {
    if (r == MemTable::GetResult::kFound && found < covering) {
      return MemTable::GetResult::kDeleted;
    }
    if (r == MemTable::GetResult::kNotPresent && covering > 0) {
      return MemTable::GetResult::kDeleted;
    }
    return r;
  };
  const auto probe_memtable = [&](const MemTable& mem) {
    if (const RangeTombstoneListPtr t = mem.RangeTombstones()) {
      covering = std::max(covering, t->MaxCoveringSequence(key, seq));
    }
    return decide(mem.Get(lookup, value, &found));
  };
  MemTable::GetResult result = probe_memtable(*sv->mem);
  for (size_t i = 0;
       result == MemTable::GetResult::kNotPresent && i < sv->imm.size(); ++i) {
    result = probe_memtable(*sv->imm[i]);
  }
  bool pointer = false;
  std::string stored_key;
  if (result == MemTable::GetResult::kNotPresent) {
    STRATA_RETURN_IF_ERROR(GetFromTables(options, *sv->version, lookup, value,
                                         &result, &covering, &pointer,
                                         &stored_key));
  }
  if (result != MemTable::GetResult::kFound) return Status::NotFound();
  if (pointer) return ResolveValuePointer(*sv->version, stored_key, value);
  return Status::OK();
}

Status DBImpl::GetVersioned(const ReadOptions& options, const Slice& key,
                            SequenceNumber seq, const SuperVersion& sv,
                            std::string* value, uint64_t* timestamp) {
  // The lookup key ‖ as-of time: in each source the seek lands on the
  // newest version at or before it. A source's versions of the key come
  // newest timestamp first, but sources are ordered by sequence, not by
  // timestamp: a newer source may hold a back-dated version older than one
  // an older source holds. So every source is asked for its best version
  // (the first one visible at `seq` that no range tombstone hides) and the
  // newest by (timestamp, sequence) wins. A source whose newest timestamp
  // is no newer than the best found so far cannot beat it and is passed
  // over: without back-dated writes that is every older source once one
  // has the key.
  std::string lookup_key;
  AppendVersionedKey(&lookup_key, key, options.as_of.value_or(kMaxTimestamp));
  const LookupKey lookup(lookup_key, seq);

  struct Best {
    bool found = false;
    bool deleted = false;
    bool pointer = false;    // the value is a value pointer
    std::string stored_key;  // with `pointer`: the version's stored key
    uint64_t timestamp = 0;
    SequenceNumber sequence = 0;
  } best;
  // The range tombstones of the sources seen so far (newer sources' cover
  // older entries; an older source's never cover a newer one's entries).
  std::vector<RangeTombstoneListPtr> tombstones;
  bool malformed = false;
  // Offers a source's entries from the lookup on; returns whether to go on.
  const auto offer = [&](const Slice& ikey, const Slice& entry_value) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(ikey, &parsed) ||
        parsed.user_key.size() < kTimestampSize) {
      malformed = true;
      return false;
    }
    if (!SameUserKey(*icmp_, ikey, lookup.internal_key())) return false;
    if (parsed.sequence > seq) return true;  // written after the read
    const uint64_t ts = ExtractTimestamp(parsed.user_key);
    if (best.found &&
        (ts < best.timestamp ||
         (ts == best.timestamp && parsed.sequence < best.sequence))) {
      return false;  // this source's later versions are older still
    }
    for (const RangeTombstoneListPtr& t : tombstones) {
      if (t->MaxCoveringSequence(parsed.user_key, seq) > parsed.sequence) {
        return true;  // purged or replaced: a later version may be live
      }
    }
    best.found = true;
    best.deleted = parsed.type == ValueType::kDeletion;
    best.pointer = parsed.type == ValueType::kValuePointer;
    if (best.pointer) {
      best.stored_key.assign(parsed.user_key.data(), parsed.user_key.size());
    }
    best.timestamp = ts;
    best.sequence = parsed.sequence;
    if (!best.deleted) value->assign(entry_value.data(), entry_value.size());
    return false;
  };
  // What the sources are handed: `offer` captures too much for
  // std::function to hold inline, so they get a one-reference forwarder
  // (no heap allocation per source probed).
  const auto handle = [&offer](const Slice& ikey, const Slice& entry_value) {
    return offer(ikey, entry_value);
  };
  // Whether a source whose newest timestamp is `max_timestamp` may hold a
  // better version than the best so far.
  const uint64_t as_of = options.as_of.value_or(kMaxTimestamp);
  const auto may_beat = [&](uint64_t max_timestamp) {
    return !best.found ||
           (best.timestamp < as_of && max_timestamp > best.timestamp);
  };
  const auto probe_memtable = [&](const MemTable& mem) {
    if (RangeTombstoneListPtr t = mem.RangeTombstones()) {
      tombstones.push_back(std::move(t));
    }
    if (may_beat(mem.MaxTimestamp())) mem.ForEachVersion(lookup, handle);
  };
  probe_memtable(*sv.mem);
  for (const auto& imm : sv.imm) probe_memtable(*imm);
  if (malformed) return Status::Corruption("memtable: malformed internal key");

  TableReadOptions ro;
  ro.verify_checksums = options.verify_checksums || options_.paranoid_checks;
  ro.fill_cache = options.fill_cache;
  Status status;
  // Read-triggered compaction, as GetFromTables: the first table below L0
  // whose data was read, charged once another table's is looked up.
  const FileMetaData* read_first = nullptr;
  bool charged = false;
  bool level0_met = false;  // the idle fold's reads, as GetFromTables
  bool level0_charged = false;
  sv.version->ForEachCandidate(
      lookup.internal_key(), [&](const FileMetaData& f, int level) {
        if (level0_met && !level0_charged) {
          level0_charged = true;
          ChargeLevel0Read();
        }
        level0_met = level0_met || level == 0;
        std::shared_ptr<const Table> holder;
        const Table* table = nullptr;
        status = table_cache_->Borrow(f, &holder, &table);
        if (!status.ok()) return false;
        if (const RangeTombstoneListPtr& t = table->range_tombstones()) {
          tombstones.push_back(t);
        }
        const TableProperties& props = table->properties();
        if (!may_beat(props.has_max_timestamp ? props.max_timestamp
                                              : kMaxTimestamp)) {
          return true;
        }
        if (read_first != nullptr && !charged) {
          charged = true;
          ChargeRead(*read_first);
        }
        bool filter_skipped = false;
        status =
            table->Get(ro, lookup.internal_key(), key, handle, &filter_skipped);
        if (read_first == nullptr && level > 0 && !filter_skipped) {
          read_first = &f;
        }
        (filter_skipped ? request_stats_.bloom_useful
                        : request_stats_.bloom_checked)
            .Add();
        if (malformed) {
          status = Status::Corruption(TableFileName(dbname_, f.number),
                                      "malformed internal key");
        }
        return status.ok();
      });
  STRATA_RETURN_IF_ERROR(status);
  // A DeleteRange at a timestamp (a timed tombstone, in any source: it is
  // not ordered by sequence against the versions it meets) is a tombstone
  // version of the key, newer or older than the best one found.
  for (const RangeTombstoneListPtr& t : tombstones) {
    const TimedTombstone timed = t->MaxCoveringTimed(lookup_key, as_of, seq);
    if (timed.NewerThan(best.timestamp, best.sequence)) {
      best.found = true;
      best.deleted = true;
      best.pointer = false;
      best.timestamp = timed.timestamp;
      best.sequence = timed.sequence;
    }
  }
  // The deciding version's timestamp, a tombstone's too (a transaction
  // weighs its own timed writes against it).
  if (timestamp != nullptr) *timestamp = best.found ? best.timestamp : 0;
  if (best.found && !best.deleted) {
    if (best.pointer) {
      return ResolveValuePointer(*sv.version, best.stored_key, value);
    }
    return Status::OK();
  }
  value->clear();
  return Status::NotFound();
}

namespace {

// The value the pointer `raw` names (of the entry whose stored key is
// `stored_key`), from the value logs `version` holds.
Status ResolvePointer(vlog::Cache* cache, const Version& version,
                      const std::string& dbname, bool verify,
                      const Slice& stored_key, const Slice& raw,
                      std::string* value) {
  vlog::ValuePointer p;
  const Status s = p.DecodeFrom(raw);
  if (!s.ok()) {
    return Status::Corruption(dbname,
                              "a table holds a malformed value "
                              "pointer (" +
                                  s.ToString() + ")");
  }
  const auto it = version.vlog_files().find(p.file_number);
  if (it == version.vlog_files().end()) {
    return Status::Corruption(VlogFileName(dbname, p.file_number),
                              "a table points into this value log, which "
                              "the MANIFEST does not hold");
  }
  return cache->Read(p, it->second->file_size, stored_key, verify, value);
}

}  // namespace

Status DBImpl::ReadValuePointer(const Version& version, const Slice& stored_key,
                                const Slice& raw, bool verify,
                                std::string* value) const {
  return ResolvePointer(vlog_cache_.get(), version, dbname_, verify, stored_key,
                        raw, value);
}

Status DBImpl::GetFromTables(const ReadOptions& options, const Version& version,
                             const LookupKey& lookup, std::string* value,
                             MemTable::GetResult* result,
                             SequenceNumber* covering, bool* pointer,
                             std::string* stored_key) {
  const Slice user_key = lookup.user_key();
  const SequenceNumber read_sequence = ExtractSequence(lookup.internal_key());
  TableReadOptions ro;
  // paranoid_checks: every block read is verified, whatever the caller asks.
  ro.verify_checksums = options.verify_checksums || options_.paranoid_checks;
  ro.fill_cache = options.fill_cache;
  // Filters hold keys without their timestamps (FilterKeySuffixLength);
  // every table's filter hashes the key alike.
  const uint64_t filter_hash = BloomFilter::Hash(
      icmp_->versioned() ? StripTimestamp(user_key) : user_key);
  // `*read`: the table's filter let the key through (its data was read).
  auto search = [&](const FileMetaData& f, bool* read) -> Status {
    // The version holds `f`: a pinned table needs no reference of its own.
    std::shared_ptr<const Table> holder;
    const Table* table = nullptr;
    STRATA_RETURN_IF_ERROR(table_cache_->Borrow(f, &holder, &table));
    if (const RangeTombstoneListPtr& t = table->range_tombstones()) {
      *covering =
          std::max(*covering, t->MaxCoveringSequence(user_key, read_sequence));
    }
    // The handler captures one pointer, so std::function keeps it inline:
    // no heap allocation per table probe.
    struct Probe {
      const InternalKeyComparator* icmp;
      Slice lookup_key;
      SequenceNumber read_sequence;
      std::string* value;
      MemTable::GetResult* result;
      SequenceNumber covering;
      bool* pointer;
      std::string* stored_key;
      bool malformed = false;
    } probe{icmp_.get(),   lookup.internal_key(),
            read_sequence, value,
            result,        *covering,
            pointer,       stored_key};
    bool filter_skipped = false;
    STRATA_RETURN_IF_ERROR(table->GetByFilterHash(
        ro, lookup.internal_key(), filter_hash,
        [p = &probe](const Slice& entry_key, const Slice& entry_value) {
          ParsedInternalKey parsed;
          if (!ParseInternalKey(entry_key, &parsed)) {
            p->malformed = true;
            return false;
          }
          if (!SameUserKey(*p->icmp, entry_key, p->lookup_key)) return false;
          // Only in a versioned DB can a version the read cannot see follow
          // the lookup key (an older timestamp written later): look on.
          if (parsed.sequence > p->read_sequence) return true;
          if (parsed.type != ValueType::kDeletion &&
              parsed.sequence >= p->covering) {
            p->value->assign(entry_value.data(), entry_value.size());
            *p->result = MemTable::GetResult::kFound;
            *p->pointer = parsed.type == ValueType::kValuePointer;
            if (*p->pointer) {
              p->stored_key->assign(parsed.user_key.data(),
                                    parsed.user_key.size());
            }
          } else {
            *p->result = MemTable::GetResult::kDeleted;
          }
          return false;
        },
        &filter_skipped));
    (filter_skipped ? request_stats_.bloom_useful
                    : request_stats_.bloom_checked)
        .Add();
    *read = !filter_skipped;
    if (probe.malformed) {
      return Status::Corruption(TableFileName(dbname_, f.number),
                                "malformed internal key");
    }
    // A tombstone seen so far and nothing newer here: deleted.
    if (*result == MemTable::GetResult::kNotPresent && *covering > 0) {
      *result = MemTable::GetResult::kDeleted;
    }
    return Status::OK();
  };
  Status status;
  // Read-triggered compaction: the first table below L0 whose data this
  // read had to read, charged once the read goes on to an older table.
  const FileMetaData* read_first = nullptr;
  bool charged = false;
  // The idle fold's reads: an L0 table met, then another table.
  bool level0_met = false;
  bool level0_charged = false;
  const auto visit = [&](const FileMetaData& f, int level) {
    if (read_first != nullptr && !charged) {
      charged = true;
      ChargeRead(*read_first);
    }
    if (level0_met && !level0_charged) {
      level0_charged = true;
      ChargeLevel0Read();
    }
    level0_met = level0_met || level == 0;
    bool read = false;
    status = search(f, &read);
    if (read_first == nullptr && level > 0 && read) read_first = &f;
    return status.ok() && *result == MemTable::GetResult::kNotPresent;
  };
  // The candidate tables are gathered, newest first, before any is
  // searched, and the filter line of each pinned one asked for: a key the
  // filters turn away then waits for memory about once, not once a level.
  // Past kGathered candidates (a deep L0), the rest are visited as found.
  constexpr size_t kGathered = 16;
  const FileMetaData* gathered[kGathered];
  int levels[kGathered];
  size_t n = 0;
  bool more = false;
  version.ForEachCandidate(lookup.internal_key(),
                           [&](const FileMetaData& f, int level) {
                             if (n == kGathered) {
                               more = true;
                               return false;
                             }
                             if (const Table* table = f.table.get()) {
                               table->PrefetchFilter(filter_hash);
                             }
                             gathered[n] = &f;
                             levels[n] = level;
                             ++n;
                             return true;
                           });
  for (size_t i = 0; i < n; ++i) {
    if (!visit(*gathered[i], levels[i])) return status;
  }
  if (more) {
    size_t skip = kGathered;
    version.ForEachCandidate(lookup.internal_key(),
                             [&](const FileMetaData& f, int level) {
                               if (skip > 0) {
                                 --skip;
                                 return true;
                               }
                               return visit(f, level);
                             });
  }
  return status;
}

void DBImpl::WakeForReads() {
  if (read_inbox_ == nullptr || !read_inbox_->TakeWake()) return;
  MutexLock lock(&mu_);
  bg_cv_.SignalAll();
}

Status DBImpl::NewInternalIterator(const ReadOptions& options,
                                   const SuperVersion& sv,
                                   SequenceNumber sequence,
                                   std::unique_ptr<InternalIterator>* result,
                                   RangeTombstoneListPtr* range_tombstones,
                                   size_t* sources) {
  TableReadOptions ro;
  // paranoid_checks: every block read is verified, whatever the caller asks.
  ro.verify_checksums = options.verify_checksums || options_.paranoid_checks;
  ro.fill_cache = options.fill_cache;
  std::vector<std::unique_ptr<InternalIterator>> children;
  // The largest sequence each child can hold: a child older than a range
  // tombstone can jump over the tombstone's range in one step.
  std::vector<uint64_t> max_sequences;
  std::vector<RangeTombstone> tombstones;
  // Without `range_tombstones` the caller takes the sources' own lists.
  const bool want_tombstones = range_tombstones != nullptr;
  const auto collect = [&](const RangeTombstoneListPtr& list) {
    if (want_tombstones && list != nullptr) list->AppendTombstones(&tombstones);
  };
  // At most one child for each memtable, each L0 table and each deeper
  // level that has tables: reserved, so that the vectors are allocated
  // once.
  const size_t max_children = 1 + sv.imm.size() + sv.version->files(0).size() +
                              static_cast<size_t>(sv.version->num_levels());
  children.reserve(max_children);
  max_sequences.reserve(max_children);
  // The active memtable may still grow, with invisible entries only. At a
  // published sequence every entry up to it is in the memtable already
  // (CommitPipeline invariant 2; the count is read after the sequence's
  // acquire), so a memtable without point entries now has none this
  // iterator can see and is left out: a DB whose other entries are all in
  // one sorted level then reads that level with no merge above it. A
  // reader of every sequence (kMaxSequenceNumber) keeps it.
  if (sequence == kMaxSequenceNumber || sv.mem->NumEntries() > 0) {
    children.push_back(sv.mem->NewIterator());
    max_sequences.push_back(kMaxSequenceNumber);
  }
  collect(sv.mem->RangeTombstones());
  for (const auto& m : sv.imm) {
    children.push_back(m->NewIterator());
    max_sequences.push_back(m->LargestSequence());
    collect(m->RangeTombstones());
  }
  // Tables count range tombstones among their deletions: a table without
  // deletions needs no look.
  const auto collect_table = [&](const FileMetaData& f) -> Status {
    if (!want_tombstones || f.num_deletions == 0) return Status::OK();
    std::shared_ptr<const Table> table;
    STRATA_RETURN_IF_ERROR(table_cache_->Find(f, &table));
    collect(table->range_tombstones());
    return Status::OK();
  };
  // L0 tables overlap: one iterator each. Deeper levels are disjoint: one
  // level iterator each, opening a table at a time.
  for (const auto& f : sv.version->files(0)) {
    children.push_back(table_cache_->NewIterator(ro, *f));
    max_sequences.push_back(f->largest_seqno);
    STRATA_RETURN_IF_ERROR(collect_table(*f));
  }
  for (int level = 1; level < sv.version->num_levels(); ++level) {
    const auto& files = sv.version->files(level);
    if (files.empty()) continue;
    children.push_back(
        NewLevelIterator(icmp_.get(), table_cache_.get(), ro, &files));
    SequenceNumber level_max = 0;
    for (const auto& f : files) {
      level_max = std::max(level_max, f->largest_seqno);
      STRATA_RETURN_IF_ERROR(collect_table(*f));
    }
    max_sequences.push_back(level_max);
  }
  if (sources != nullptr) *sources = children.size();
  if (!want_tombstones) {
    *result = NewMergingIterator(icmp_.get(), std::move(children));
    return Status::OK();
  }
  range_tombstones->reset();
  if (!tombstones.empty()) {
    // Timed tombstones (a versioned DB's DeleteRange) count for reads as of
    // a time at or after theirs; history lists the versions written, so
    // they take no part in it (docs/key_format.md#deleterange).
    const uint64_t timed_max =
        options.all_versions ? 0 : options.as_of.value_or(kMaxTimestamp);
    auto visible = std::make_shared<const FragmentedRangeTombstoneList>(
        icmp_->user_comparator(), std::move(tombstones), sequence,
        /*newest_only=*/true, SIZE_MAX, timed_max);
    if (!visible->empty()) *range_tombstones = std::move(visible);
  }
  *result = *range_tombstones != nullptr
                ? NewMergingIterator(icmp_.get(), std::move(children),
                                     std::move(max_sequences))
                : NewMergingIterator(icmp_.get(), std::move(children));
  return Status::OK();
}

Result<size_t> DBImpl::CursorSourcesForTest(const ReadOptions& options) {
  SequenceNumber sequence = 0;
  std::shared_ptr<const SuperVersion> sv;
  STRATA_RETURN_IF_ERROR(GetReadState(options, &sequence, &sv));
  std::unique_ptr<InternalIterator> iter;
  RangeTombstoneListPtr tombstones;
  size_t sources = 0;
  STRATA_RETURN_IF_ERROR(NewInternalIterator(options, *sv, sequence, &iter,
                                             &tombstones, &sources));
  return sources;
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  return NewIteratorImpl(options, nullptr);
}

std::unique_ptr<Iterator> DBImpl::NewIteratorImpl(const ReadOptions& options,
                                                  const PinnedRead* pinned) {
  WakeForReads();  // an earlier iterator may have posted a table
  Status s = CheckOpen();
  if (s.ok()) s = CheckReadOptions(options);
  if (!s.ok()) return NewErrorIterator(std::move(s));
  if (options.lower_bound && options.upper_bound &&
      options_.comparator->Compare(*options.lower_bound, *options.upper_bound) >
          0) {
    return NewErrorIterator(Status::InvalidArgument(
        "iterator bounds", "lower_bound > upper_bound"));
  }
  DBIterOptions iter_options;
  iter_options.user_comparator = options_.comparator;
  std::shared_ptr<const SuperVersion> sv;
  if (pinned != nullptr) {
    iter_options.sequence = pinned->sequence;
    sv = *pinned->sv;
  } else {
    s = GetReadState(options, &iter_options.sequence, &sv);
  }
  if (s.ok()) s = CheckHorizon(options);  // after pinning: see GetImpl
  if (!s.ok()) return NewErrorIterator(std::move(s));
  iter_options.lower_bound = options.lower_bound;
  iter_options.upper_bound = options.upper_bound;
  iter_options.keys_only = options.keys_only;
  if (icmp_->versioned()) {
    iter_options.versioned = true;
    iter_options.versioned_comparator = icmp_->user_comparator();
    iter_options.max_timestamp = options.as_of.value_or(kMaxTimestamp);
    if (options.all_versions) {
      iter_options.all_versions = true;
      iter_options.include_deleted = options.include_deleted;
      iter_options.history_limit = options.history_limit;
      iter_options.min_timestamp = options.history_from.value_or(0);
      iter_options.max_timestamp =
          std::min(iter_options.max_timestamp,
                   options.history_to.value_or(kMaxTimestamp));
    }
  }

  std::unique_ptr<InternalIterator> source;
  s = NewInternalIterator(options, *sv, iter_options.sequence, &source,
                          &iter_options.range_tombstones);
  if (!s.ok()) return NewErrorIterator(std::move(s));
  if (!options.keys_only && !sv->version->vlog_files().empty()) {
    // Holds what it reads through itself: the iterator may outlive the DB.
    iter_options.resolve_pointer =
        [cache = vlog_cache_, version = sv->version, dbname = dbname_,
         verify = options_.value_log_verify_checksums](
            const Slice& stored_key, const Slice& raw, std::string* value) {
          return ResolvePointer(cache.get(), *version, dbname, verify,
                                stored_key, raw, value);
        };
  }
  // What the iterator reads through, kept alive for as long as it lives;
  // the closures below point into it (the iterator holds both), which
  // keeps them small enough for std::function to hold without allocating.
  auto pins = std::make_shared<const ReadPins>(ReadPins{
      retired_, icmp_, block_cache_, table_cache_, std::move(sv), read_inbox_});
  if (read_inbox_ != nullptr) {
    // Samples of what the iterator reads charge the table of a sampled
    // entry that has an older table under it (never the DB: the iterator
    // may outlive it).
    // The idle fold's reads count in the L0 generation of the iterator's
    // making (ReadChargeInbox::ArmLevel0).
    const uint64_t generation = read_inbox_->Level0Generation();
    const ReadPins* const read = pins.get();
    iter_options.sample_read = [read, generation](const Slice& internal_key) {
      ReadChargeInbox* const inbox = read->read_inbox.get();
      const FileMetaData* first = nullptr;  // below L0
      // The idle fold's reads: the entry's range has an L0 table and
      // another table.
      bool level0_met = false;
      bool level0_charged = false;
      read->sv->version->ForEachCandidate(
          internal_key, [&](const FileMetaData& f, int level) {
            if (level0_met && !level0_charged) {
              level0_charged = true;
              inbox->ChargeLevel0(generation);
            }
            level0_met = level0_met || level == 0;
            if (first == nullptr) {
              if (level > 0) first = &f;
              return true;
            }
            inbox->Charge(*first);
            return false;
          });
    };
    iter_options.sample_period =
        read_sample_period_.load(std::memory_order_relaxed);
    // Each seek of an iterator that merges an L0 table with another table
    // is one of the reads the idle fold waits for.
    const Version& v = *read->sv->version;
    int table_runs = v.NumFiles(0);
    for (int level = 1; level < v.num_levels() && table_runs < 2; ++level) {
      if (v.NumFiles(level) > 0) ++table_runs;
    }
    if (v.NumFiles(0) > 0 && table_runs >= 2) {
      iter_options.on_seek = [read, generation] {
        read->read_inbox->ChargeLevel0(generation);
      };
    }
  }
  iter_options.retired = retired_.get();
  return NewDBIterator(std::move(iter_options), std::move(source),
                       std::move(pins));
}

Status DBImpl::Count(const ReadOptions& options, const Slice& begin,
                     const Slice& end, uint64_t* count) {
  if (count == nullptr) return Status::InvalidArgument("null count pointer");
  if (options_.comparator->Compare(begin, end) > 0) {
    return Status::InvalidArgument("Count", "begin > end");
  }
  STRATA_RETURN_IF_ERROR(CheckOpen());
  STRATA_RETURN_IF_ERROR(CheckReadOptions(options));
  ReadOptions ro = options;
  ro.keys_only = true;
  if (!ro.lower_bound ||
      options_.comparator->Compare(*ro.lower_bound, begin) < 0) {
    ro.lower_bound = begin.ToString();
  }
  if (!ro.upper_bound ||
      options_.comparator->Compare(end, *ro.upper_bound) < 0) {
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

namespace strata::internal {

namespace {

// The internal key that sorts before every entry of `user_key` (in a
// versioned DB, before its newest possible version).
std::string SeekKeyBefore(const InternalKeyComparator& icmp,
                          const Slice& user_key) {
  std::string key;
  if (icmp.versioned()) {
    AppendVersionedKey(&key, user_key, kMaxTimestamp);
    PutFixed64(&key, PackTag(kMaxSequenceNumber, kTypeForSeek));
  } else {
    AppendInternalKey(&key, user_key, kMaxSequenceNumber, kTypeForSeek);
  }
  return key;
}

}  // namespace

Status DBImpl::GetApproximateSizes(const Range* ranges, int n,
                                   uint64_t* sizes) {
  if (n < 0 || (n > 0 && (ranges == nullptr || sizes == nullptr))) {
    return Status::InvalidArgument("GetApproximateSizes",
                                   "null ranges or sizes, or n < 0");
  }
  STRATA_RETURN_IF_ERROR(CheckOpen());
  const std::shared_ptr<const SuperVersion> sv = GetSuperVersion();
  const Version& version = *sv->version;
  // The bytes of every table before `ikey`, LevelDB's estimate: whole
  // tables that end before it, and the index's offset of it in a table
  // that spans it.
  auto offset_of = [&](const Slice& ikey, uint64_t* offset) {
    uint64_t total = 0;
    for (int level = 0; level < version.num_levels(); ++level) {
      for (const auto& f : version.files(level)) {
        if (icmp_->Compare(f->largest.Encode(), ikey) <= 0) {
          total += f->file_size;
        } else if (icmp_->Compare(f->smallest.Encode(), ikey) > 0) {
          if (level > 0) break;  // sorted: the rest start later still
        } else {
          // A table that does not open counts nothing here (reads of it
          // report the damage); the estimate goes on, as LevelDB's does.
          std::shared_ptr<const Table> table;
          if (table_cache_->Find(*f, &table).ok()) {
            total += table->ApproximateOffsetOf(ikey);
          }
        }
      }
    }
    *offset = total;
  };
  for (int i = 0; i < n; ++i) {
    sizes[i] = 0;
    if (options_.comparator->Compare(ranges[i].start, ranges[i].limit) >= 0) {
      continue;
    }
    uint64_t start = 0;
    uint64_t limit = 0;
    offset_of(SeekKeyBefore(*icmp_, ranges[i].start), &start);
    offset_of(SeekKeyBefore(*icmp_, ranges[i].limit), &limit);
    sizes[i] = limit > start ? limit - start : 0;
  }
  return Status::OK();
}

}  // namespace strata::internal
