// Background flush: frozen memtables become L0 tables, recorded in the
// MANIFEST; files no live state needs are deleted.

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <deque>
#include <optional>
#include <vector>

#include "compaction/compaction_job.h"
#include "compaction/flush_job.h"
#include "db/db_impl.h"
#include "db/obsolete_files.h"
#include "env/filename.h"
#include "table/table_builder.h"

namespace strata::internal {

void DBImpl::InstallSuperVersionLocked() {
  mu_.AssertHeld();
  auto sv = std::make_shared<SuperVersion>();
  sv->mem = mem_;
  sv->imm.reserve(imm_.size());
  for (const FrozenMemTable& f : imm_) sv->imm.push_back(f.mem);
  sv->version = versions_->current();
  read_state_.Install(std::move(sv));
}

void DBImpl::BackgroundLoop() {
  MutexLock lock(&mu_);
  while (!bg_.shutting_down) {
    // What this pass decides answers every SettleBackground() call made
    // before it began.
    const uint64_t settle_request = bg_.settle_requests;
    // Nothing runs after a background error: the state on disk is
    // uncertain, writes have stopped, and the WAL keeps the data.
    if (!bg_error_.ok()) {
      MarkSettledLocked(settle_request);
      bg_cv_.Wait();
      continue;
    }
    ArmLevel0ReadsLocked();
    Status s;
    if (!imm_.empty() && !bg_.flush_running) {
      bg_.flush_running = true;
      s = FlushOldestLocked();
      bg_.flush_running = false;
    } else if (!bg_.compaction_running && bg_.manual_compactions == 0) {
      // Files whose tombstones a snapshot still needs are not worth a
      // compaction of their own yet.
      const SequenceNumber earliest_snapshot =
          snapshots_.empty() ? pipeline_.LastSequence() : snapshots_.Oldest();
      std::optional<CompactionPlan> plan = PickCompaction(
          *versions_->current(), policy_, bg_.busy_files, earliest_snapshot);
      if (!plan) {
        // Value-log garbage collection, when no compaction is due: it
        // never holds back one that keeps writes flowing.
        plan =
            PickValueLogGc(*versions_->current(), policy_,
                           options_.value_log_gc_discard_ratio, bg_.busy_files);
      }
      if (!plan) plan = ReadCompactionLocked();
      if (!plan) {
        const uint64_t wait_micros = IdleCompactionLocked(&plan);
        if (!plan) {
          MarkSettledLocked(settle_request);
          if (wait_micros > 0) {
            bg_cv_.WaitFor(wait_micros);
          } else {
            bg_cv_.Wait();
          }
          continue;
        }
      }
      bg_.compaction_running = true;
      s = RunCompactionLocked(*plan);
      bg_.compaction_running = false;
    } else {
      bg_cv_.Wait();
      continue;
    }
    if (!s.ok() && bg_error_.ok()) {
      bg_error_ = s;
      info_log_->Log("background work failed; writes stop until reopen: %s",
                     s.ToString().c_str());
    }
    // Stalled writers, Flush(), CompactRange(), Close() and the other
    // background threads wait on it.
    bg_cv_.SignalAll();
  }
}

void DBImpl::MarkSettledLocked(uint64_t settle_request) {
  mu_.AssertHeld();
  // Settled only if nothing runs elsewhere either (another thread's job,
  // or a CompactRange on a caller's thread).
  if (bg_.flush_running || bg_.compaction_running ||
      bg_.manual_compactions > 0 || bg_.settled >= settle_request) {
    return;
  }
  bg_.settled = settle_request;
  bg_cv_.SignalAll();
}

Status DBImpl::SettleBackground() {
  MutexLock lock(&mu_);
  const uint64_t ticket = ++bg_.settle_requests;
  bg_cv_.SignalAll();
  while (bg_.settled < ticket && !bg_.shutting_down) bg_cv_.Wait();
  return bg_error_;
}

uint64_t DBImpl::IdleCompactionLocked(std::optional<CompactionPlan>* plan) {
  mu_.AssertHeld();
  // Close() flushes the memtable before the background stops: a fold of
  // that last table would only make Close() wait for it.
  if (options_.level0_idle_compaction_ms == 0 ||
      closed_.load(std::memory_order_acquire) ||
      options_.compaction_style != CompactionStyle::kLeveled ||
      versions_->current()->NumFiles(0) == 0) {
    return 0;
  }
  // A fold no read would use is not made: the last read it waits for
  // wakes the background. Reads that paid for it with no write since (a
  // read phase, not reads between writes) make a tenth of the delay
  // without writes enough.
  const FoldReads reads = Level0FoldReadsLocked();
  const SequenceNumber last = pipeline_.LastSequence();
  bool read_phase = false;
  if (reads == FoldReads::kPaid) {
    if (!bg_.level0_paid_at) bg_.level0_paid_at = last;
    read_phase = *bg_.level0_paid_at == last;
  }
  const uint64_t delay = options_.level0_idle_compaction_ms * 1000;
  const uint64_t wait = bg_.idle_clock.MicrosUntilIdle(
      last, env_->NowMicros(), read_phase ? delay / 10 : delay);
  if (wait > 0 || reads == FoldReads::kOwed) return wait;
  *plan = PickIdleCompaction(*versions_->current(), policy_, bg_.busy_files);
  return 0;
}

void DBImpl::ArmLevel0ReadsLocked() {
  mu_.AssertHeld();
  if (read_inbox_ == nullptr || options_.level0_idle_compaction_ms == 0) {
    return;
  }
  // Held: mu_ does not keep the current version alive (LogAndApply runs
  // without it).
  const std::shared_ptr<const Version> current = versions_->current();
  const auto& level0 = current->files(0);
  std::vector<uint64_t>& armed = bg_.level0_armed;
  if (std::equal(
          level0.begin(), level0.end(), armed.begin(), armed.end(),
          [](const auto& f, uint64_t number) { return f->number == number; })) {
    return;
  }
  armed.clear();
  bg_.level0_paid_at.reset();
  uint64_t bytes = 0;
  for (const auto& f : level0) {
    armed.push_back(f->number);
    bytes += f->file_size;
  }
  read_inbox_->ArmLevel0(bytes);
}

DBImpl::FoldReads DBImpl::Level0FoldReadsLocked() {
  mu_.AssertHeld();
  if (read_inbox_ == nullptr) return FoldReads::kNotNeeded;
  ArmLevel0ReadsLocked();
  if (read_inbox_->Level0Paid()) return FoldReads::kPaid;
  const std::shared_ptr<const Version> current = versions_->current();
  const auto& level0 = current->files(0);
  return std::any_of(
             level0.begin(), level0.end(),
             [this](const auto& f) { return IsTombstoneDense(*f, policy_); })
             ? FoldReads::kNotNeeded
             : FoldReads::kOwed;
}

std::optional<CompactionPlan> DBImpl::ReadCompactionLocked() {
  mu_.AssertHeld();
  std::deque<uint64_t>& files = bg_.read_compaction_files;
  if (read_inbox_ != nullptr) {
    for (const uint64_t number : read_inbox_->Take()) files.push_back(number);
  }
  // Close() waits for a running compaction: none starts once it began.
  if (closed_.load(std::memory_order_acquire)) {
    files.clear();
    return std::nullopt;
  }
  while (!files.empty()) {
    const uint64_t number = files.front();
    files.pop_front();
    std::optional<CompactionPlan> plan = PickReadCompaction(
        *versions_->current(), policy_, bg_.busy_files, number);
    if (plan.has_value()) return plan;
  }
  return std::nullopt;
}

Status DBImpl::FlushOldestLocked() {
  mu_.AssertHeld();
  const FrozenMemTable oldest = imm_.back();
  // Once this memtable is in a table, its data no longer needs the WALs
  // before the one the next (newer) memtable starts in (invariant 4).
  const uint64_t next_log =
      imm_.size() >= 2 ? imm_[imm_.size() - 2].log_number : log_number_;
  const uint64_t number = versions_->NewFileNumber();
  bg_.pending_outputs.insert(number);
  const uint64_t start = env_->NowMicros();

  FileMetaData meta;
  std::vector<VlogFileMeta> vlogs;
  Status s;
  // A snapshot taken later is above every sequence of this memtable, so it
  // splits no stripe among them.
  const std::vector<SequenceNumber> snapshots = snapshots_.Sequences();
  {
    mu_.Unlock();
    s = WriteLevel0Table(*oldest.mem, number, snapshots, &meta, &vlogs);
    if (s.ok()) {
      VersionEdit edit;
      if (meta.file_size > 0) edit.AddFile(0, meta);
      for (const VlogFileMeta& v : vlogs) edit.AddVlogFile(v);
      edit.SetLogNumber(next_log);
      // The MANIFEST keeps the sequence counter once WALs are gone: the
      // newest sequence now in a table. (Not last_sequence_: writes still
      // in live WALs must replay after it.) Carried by this edit, so no
      // other edit can record it before this one is durable.
      edit.SetLastSequence(meta.largest_seqno);
      // Likewise the commit timestamps of the writes whose WALs go: the
      // next open must hand out later ones (a versioned DB; 0 otherwise).
      if (icmp_->versioned()) edit.SetLastTimestamp(pipeline_.LastTimestamp());
      s = versions_->LogAndApply(&edit);
    }
    mu_.Lock();
  }
  bg_.pending_outputs.erase(number);
  for (const VlogFileMeta& v : vlogs) bg_.pending_outputs.erase(v.number);
  if (!s.ok()) return s;

  imm_.pop_back();
  ++counters_.flushes;
  uint64_t vlog_bytes = 0;
  for (const VlogFileMeta& v : vlogs) vlog_bytes += v.file_size;
  counters_.flush_bytes_written += meta.file_size + vlog_bytes;
  counters_.levels[0].bytes_written += meta.file_size + vlog_bytes;
  counters_.vlog_bytes_written += vlog_bytes;
  InstallSuperVersionLocked();
  info_log_->Log("flushed memtable (log %06" PRIu64 ") to %06" PRIu64
                 ".sst: %" PRIu64 " entries, %" PRIu64 " bytes, %.1f ms",
                 oldest.log_number, number, meta.num_entries, meta.file_size,
                 static_cast<double>(env_->NowMicros() - start) / 1000.0);
  DeleteObsoleteFilesLocked();
  return Status::OK();
}

Status DBImpl::WriteLevel0Table(const MemTable& mem, uint64_t number,
                                const std::vector<SequenceNumber>& snapshots,
                                FileMetaData* meta,
                                std::vector<VlogFileMeta>* vlogs) {
  FlushJobOptions job;
  job.env = env_;
  job.dbname = dbname_;
  job.table_options = table_options_;
  job.icmp = icmp_.get();
  job.snapshots = snapshots;
  job.creation_time = env_->NowMicros() / 1000000;
  std::vector<uint64_t> allocated;
  SetValueSeparation(&job, [this, &allocated] {
    MutexLock lock(&mu_);
    const uint64_t n = versions_->NewFileNumber();
    bg_.pending_outputs.insert(n);
    allocated.push_back(n);
    return n;
  });
  const Status s = RunFlush(job, mem, number, meta, vlogs);
  if (!s.ok() && !allocated.empty()) {
    MutexLock lock(&mu_);
    for (const uint64_t n : allocated) bg_.pending_outputs.erase(n);
  }
  return s;
}

void DBImpl::SetValueSeparation(TableOutputOptions* o,
                                std::function<uint64_t()> number) const {
  if (!options_.enable_value_log) return;
  o->vlog_threshold = options_.value_log_threshold;
  o->vlog_max_file_size = options_.value_log_max_file_size;
  o->vlog_compression = options_.compression;
  o->new_vlog_file_number = std::move(number);
}

void DBImpl::HoldFileDeletions() {
  MutexLock lock(&mu_);
  deletions_.Hold();
  // A pass that started before the hold finishes first.
  while (deletions_.PassRunning()) bg_cv_.Wait();
}

void DBImpl::ReleaseFileDeletions() {
  MutexLock lock(&mu_);
  if (deletions_.Release()) DeleteObsoleteFilesLocked();
}

void DBImpl::DeleteObsoleteFilesLocked() {
  mu_.AssertHeld();
  if (!bg_error_.ok()) return;  // the state on disk is uncertain: keep all
  if (!deletions_.TryBeginPass()) return;  // held: ReleaseFileDeletions runs it
  LiveFiles live;
  live.first_unsafe = versions_->PeekNextFileNumber();
  live.files = bg_.pending_outputs;
  versions_->AddLiveFiles(&live.files);
  live.min_log = versions_->log_number();
  live.current_log = log_number_;
  live.manifest = versions_->manifest_file_number();

  mu_.Unlock();
  std::vector<std::string> names;
  if (env_->GetChildren(dbname_, &names).ok()) {
    for (const std::string& name : SelectObsoleteFiles(names, live)) {
      uint64_t number = 0;
      FileType type{};
      if (ParseFileName(name, &number, &type)) {
        if (type == FileType::kTableFile) table_cache_->Evict(number);
        if (type == FileType::kVlogFile) vlog_cache_->Evict(number);
      }
      const Status s = env_->RemoveFile(dbname_ + "/" + name);
      info_log_->Log("deleted obsolete %s: %s", name.c_str(),
                     s.ToString().c_str());
    }
  }
  mu_.Lock();
  deletions_.EndPass();
  bg_cv_.SignalAll();  // HoldFileDeletions() may be waiting
}

}  // namespace strata::internal
