// The DB's properties (DB::GetProperty): a table of names and handlers.
// Each handler reads the super-version it is given and, where it needs the
// DB's counters, takes the DB mutex itself.

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <string_view>

#include "compaction/picker.h"
#include "db/db_impl.h"

namespace strata::internal {

struct DBProperties {
  using Handler = bool (*)(DBImpl& db, const SuperVersion& sv,
                           std::string* value);
  struct Entry {
    std::string_view name;
    Handler handler;
  };

  // strata.num-files-at-level<N>.
  static bool NumFilesAtLevel(const SuperVersion& sv,
                              std::string_view level_text, std::string* value) {
    int level = 0;
    for (const char c : level_text) {
      if (c < '0' || c > '9' || level > 1000) return false;
      level = level * 10 + (c - '0');
    }
    if (level_text.empty() || level >= sv.version->num_levels()) return false;
    *value = std::to_string(sv.version->NumFiles(level));
    return true;
  }

  static bool Get(DBImpl& db, std::string_view name, std::string* value) {
    static const Entry kTable[] = {
        {"strata.mem-usage",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           *value = std::to_string(sv.mem->ApproximateMemoryUsage());
           return true;
         }},
        {"strata.size-all-mem-tables",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           size_t total = sv.mem->ApproximateMemoryUsage();
           for (const auto& imm : sv.imm) {
             total += imm->ApproximateMemoryUsage();
           }
           *value = std::to_string(total);
           return true;
         }},
        {"strata.num-entries-active-mem-table",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           *value = std::to_string(sv.mem->NumEntries());
           return true;
         }},
        {"strata.num-deletes-active-mem-table",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           *value = std::to_string(sv.mem->NumDeletions());
           return true;
         }},
        {"strata.estimate-num-keys",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           // Every entry counts once and every deletion cancels one: an
           // estimate (overwritten keys are counted once per version).
           uint64_t entries = sv.mem->NumEntries();
           uint64_t deletes = sv.mem->NumDeletions();
           for (const auto& m : sv.imm) {
             entries += m->NumEntries();
             deletes += m->NumDeletions();
           }
           for (int level = 0; level < sv.version->num_levels(); ++level) {
             for (const auto& f : sv.version->files(level)) {
               entries += f->num_entries;
               deletes += f->num_deletions;
             }
           }
           *value = std::to_string(entries > 2 * deletes ? entries - 2 * deletes
                                                         : 0);
           return true;
         }},
        {"strata.num-range-deletions",
         [](DBImpl& db, const SuperVersion& sv, std::string* value) {
           // Range tombstones held by the memtables and by every live table (as
           // stored: a tombstone clipped into several tables counts in each).
           uint64_t n_range = sv.mem->NumRangeDeletions();
           for (const auto& m : sv.imm) n_range += m->NumRangeDeletions();
           for (int level = 0; level < sv.version->num_levels(); ++level) {
             for (const auto& f : sv.version->files(level)) {
               if (f->num_deletions == 0) continue;
               std::shared_ptr<const Table> table;
               if (!db.table_cache_->Find(*f, &table).ok()) {
                 return false;
               }
               n_range += table->properties().num_range_deletions;
             }
           }
           *value = std::to_string(n_range);
           return true;
         }},
        {"strata.num-immutable-mem-table",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           *value = std::to_string(sv.imm.size());
           return true;
         }},
        {"strata.total-sst-bytes",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           uint64_t total = 0;
           for (int level = 0; level < sv.version->num_levels(); ++level) {
             total += sv.version->LevelBytes(level);
           }
           *value = std::to_string(total);
           return true;
         }},
        {"strata.total-vlog-bytes",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           *value = std::to_string(sv.version->VlogBytes());
           return true;
         }},
        {"strata.vlog-files",
         // One line per value-log file: "<number> <file bytes> <records>
         // <record bytes> <garbage bytes>".
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           value->clear();
           for (const auto& [number, f] : sv.version->vlog_files()) {
             *value += std::to_string(number) + " " +
                       std::to_string(f->file_size) + " " +
                       std::to_string(f->records) + " " +
                       std::to_string(f->record_bytes) + " " +
                       std::to_string(f->garbage_bytes) + "\n";
           }
           return true;
         }},
        {"strata.block-cache-usage",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           *value = std::to_string(db.block_cache_->Usage());
           return true;
         }},
        {"strata.open-tables",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           *value = std::to_string(db.table_cache_->OpenTables());
           return true;
         }},
        {"strata.num-flushes",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           MutexLock lock(&db.mu_);
           *value = std::to_string(db.counters_.flushes);
           return true;
         }},
        {"strata.background-work-pending",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           // "1" while a flush or compaction runs or would be picked now, or
           // while L0 holds tables the idle fold will take once writes pause
           // (and reads have paid for it: a fold still waiting for reads is
           // not pending, since nothing but reads would start it);
           // "0" once the background has nothing left to do (also after a
           // background error, when nothing more will run).
           MutexLock lock(&db.mu_);
           bool pending = false;
           if (db.bg_error_.ok()) {
             if (db.read_inbox_ != nullptr) {
               for (const uint64_t number : db.read_inbox_->Take()) {
                 db.bg_.read_compaction_files.push_back(number);
               }
             }
             const SequenceNumber earliest_snapshot =
                 db.snapshots_.empty() ? db.pipeline_.LastSequence()
                                       : db.snapshots_.Oldest();
             // Held: db.mu_ does not keep the current version alive.
             const std::shared_ptr<const Version> current_version =
                 db.versions_->current();
             const Version& current = *current_version;
             // Outside the lambda below, which the lock analysis cannot
             // see holding db.mu_.
             const std::set<uint64_t>& busy = db.bg_.busy_files;
             const std::deque<uint64_t>& reads = db.bg_.read_compaction_files;
             pending =
                 !db.imm_.empty() || db.bg_.flush_running ||
                 db.bg_.compaction_running || db.bg_.manual_compactions > 0 ||
                 PickCompaction(current, db.policy_, db.bg_.busy_files,
                                earliest_snapshot)
                     .has_value() ||
                 (db.options_.level0_idle_compaction_ms > 0 &&
                  PickIdleCompaction(current, db.policy_, db.bg_.busy_files)
                      .has_value() &&
                  db.Level0FoldReadsLocked() != DBImpl::FoldReads::kOwed) ||
                 PickValueLogGc(current, db.policy_,
                                db.options_.value_log_gc_discard_ratio,
                                db.bg_.busy_files)
                     .has_value() ||
                 std::any_of(reads.begin(), reads.end(), [&](uint64_t number) {
                   return PickReadCompaction(current, db.policy_, busy, number)
                       .has_value();
                 });
           }
           value->assign(1, pending ? '1' : '0');
           return true;
         }},
        {"strata.stall-micros",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           MutexLock lock(&db.mu_);
           *value = std::to_string(db.counters_.stall_micros);
           return true;
         }},
        {"strata.stats",
         [](DBImpl& db, const SuperVersion& sv, std::string* value) {
           MutexLock lock(&db.mu_);
           *value = db.StatsStringLocked(*sv.version);
           return true;
         }},
        {"strata.counters",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           MutexLock lock(&db.mu_);
           uint64_t compaction_written = 0;
           uint64_t compaction_read = 0;
           for (const DBImpl::LevelStats& l : db.counters_.levels) {
             compaction_read += l.bytes_read;
             compaction_written += l.bytes_written;
           }
           *value =
               "user.bytes.written " +
               std::to_string(db.pipeline_.BytesCommitted()) +
               "\nflush.bytes.written " +
               std::to_string(db.counters_.flush_bytes_written) +
               "\ncompaction.bytes.read " + std::to_string(compaction_read) +
               "\ncompaction.bytes.written " +
               std::to_string(compaction_written) +
               "\ncompaction.trivial.moves " +
               std::to_string(db.counters_.trivial_moves) +
               "\ncompaction.reads " +
               std::to_string(db.counters_.read_compactions) +
               "\nvlog.bytes.written " +
               std::to_string(db.counters_.vlog_bytes_written) +
               "\nvlog.gc.compactions " +
               std::to_string(db.counters_.vlog_gc_compactions) +
               "\nvlog.relocated.values " +
               std::to_string(db.counters_.vlog_relocated_values) +
               "\nvlog.relocated.bytes " +
               std::to_string(db.counters_.vlog_relocated_bytes) +
               "\nvlog.gc.paced.micros " +
               std::to_string(db.counters_.vlog_gc_paced_micros) +
               "\nvlog.gc.yields " +
               std::to_string(db.counters_.vlog_gc_yields) +
               "\nblock.cache.hits " + std::to_string(db.block_cache_->Hits()) +
               "\nblock.cache.misses " +
               std::to_string(db.block_cache_->Misses()) + "\nbloom.useful " +
               std::to_string(db.request_stats_.bloom_useful.Sum()) +
               "\nbloom.passed " +
               std::to_string(db.request_stats_.bloom_checked.Sum()) +
               "\nstall.micros " + std::to_string(db.counters_.stall_micros) +
               "\nstop.micros " + std::to_string(db.counters_.stop_micros) +
               "\nget.micros " + db.request_stats_.get_micros.Summary() +
               "\nwrite.micros " + db.request_stats_.write_micros.Summary() +
               "\n";
           return true;
         }},
        {"strata.last-sequence",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           *value = std::to_string(db.pipeline_.LastSequence());
           return true;
         }},
        {"strata.last-timestamp",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           *value = std::to_string(db.pipeline_.LastTimestamp());
           return true;
         }},
        {"strata.lost-files",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           // Set at open, before the DB is shared; never changed afterwards.
           value->clear();
           for (const std::string& name : db.open_.lost_files)
             value->append(name + "\n");
           return true;
         }},
        {"strata.sstables",
         [](DBImpl&, const SuperVersion& sv, std::string* value) {
           *value = sv.version->DebugString();
           return true;
         }},
        {"strata.num-snapshots",
         [](DBImpl& db, const SuperVersion&, std::string* value) {
           MutexLock lock(&db.mu_);
           *value = std::to_string(db.snapshots_.size());
           return true;
         }},
    };
    const std::shared_ptr<const SuperVersion> sv = db.GetSuperVersion();
    constexpr std::string_view kFilesAtLevel = "strata.num-files-at-level";
    if (name.substr(0, kFilesAtLevel.size()) == kFilesAtLevel) {
      return NumFilesAtLevel(*sv, name.substr(kFilesAtLevel.size()), value);
    }
    for (const Entry& e : kTable) {
      if (e.name == name) return e.handler(db, *sv, value);
    }
    return false;
  }
};

bool DBImpl::GetProperty(const Slice& name, std::string* value) {
  if (value == nullptr || !CheckOpen().ok()) return false;
  return DBProperties::Get(*this, std::string_view(name.data(), name.size()),
                           value);
}

}  // namespace strata::internal
