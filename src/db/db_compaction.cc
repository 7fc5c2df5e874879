// Compactions: picked by the policy (compaction/picker.h), run by the
// compaction job (compaction/compaction_job.h), installed here with one
// MANIFEST edit; CompactRange; write backpressure; the stats table.

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "compaction/compaction_job.h"
#include "db/db_impl.h"

namespace strata::internal {

bool DBImpl::ValueLogGcShouldStopLocked() {
  mu_.AssertHeld();
  if (bg_.shutting_down || !bg_error_.ok() || bg_.manual_compactions > 0) {
    return true;
  }
  // A frozen memtable no thread is flushing (with one background thread,
  // the GC job's own would).
  bool stop = !imm_.empty() && !bg_.flush_running;
  if (!stop) {
    // A compaction due, judged as if this job's inputs were free: one
    // compaction runs at a time, so the busy files are this job's own,
    // and a due compaction that needs them must not wait for it.
    const SequenceNumber earliest_snapshot =
        snapshots_.empty() ? pipeline_.LastSequence() : snapshots_.Oldest();
    stop = PickCompaction(*versions_->current(), policy_, {}, earliest_snapshot)
               .has_value();
  }
  if (stop) ++counters_.vlog_gc_yields;
  return stop;
}

bool DBImpl::ValueLogGcMayGoOn(uint64_t bytes) {
  const uint64_t now = env_->NowMicros();
  const uint64_t wait = gc_pace_.pacer.Record(bytes, now);
  if (wait >= kGcMinPaceWaitMicros) return PaceValueLogGc(wait);
  // Under the pace (or with none): is other work due? Looked at every
  // kGcCheckMicros, not at every value.
  if (now >= gc_pace_.last_check &&
      now - gc_pace_.last_check < kGcCheckMicros) {
    return true;
  }
  gc_pace_.last_check = now;
  MutexLock lock(&mu_);
  return !ValueLogGcShouldStopLocked();
}

bool DBImpl::PaceValueLogGc(uint64_t micros) {
  const uint64_t start = env_->NowMicros();
  const uint64_t deadline = start + micros;
  MutexLock lock(&mu_);
  bg_.gc_pacing = true;
  ++bg_.gc_pace_waits;
  bool go_on = true;
  for (;;) {
    if (ValueLogGcShouldStopLocked()) {
      go_on = false;
      break;
    }
    const uint64_t now = env_->NowMicros();
    if (now >= deadline || now < start) break;  // due, or the clock went back
    // In slices, so that a compaction falling due (which signals nobody)
    // is seen within one, as is a clock that is not the system's.
    bg_cv_.WaitFor(std::min(deadline - now, kGcCheckMicros));
  }
  bg_.gc_pacing = false;
  const uint64_t end = env_->NowMicros();
  counters_.vlog_gc_paced_micros += end > start ? end - start : 0;
  return go_on;
}

Status DBImpl::RunCompactionLocked(const CompactionPlan& plan) {
  mu_.AssertHeld();
  std::vector<std::shared_ptr<const FileMetaData>> inputs;
  for (const CompactionInputs& level : plan.inputs) {
    for (const auto& f : level.files) {
      inputs.push_back(f);
      bg_.busy_files.insert(f->number);
    }
  }
  const uint64_t start = env_->NowMicros();
  VersionEdit edit;
  for (const CompactionInputs& level : plan.inputs) {
    for (const auto& f : level.files) edit.DeleteFile(level.level, f->number);
  }
  std::vector<uint64_t> allocated;  // output numbers, pending until installed
  Status s;
  CompactionJobResult result;

  if (plan.trivial_move) {
    // One file with nothing to merge below it: move it by an edit.
    const CompactionInputs& in = plan.inputs[0];
    edit.AddFile(plan.output_level, *in.files[0]);
    mu_.Unlock();
    s = versions_->LogAndApply(&edit);
    mu_.Lock();
  } else {
    CompactionJobOptions job;
    job.env = env_;
    job.dbname = dbname_;
    job.table_options = table_options_;
    job.icmp = icmp_.get();
    job.snapshots = snapshots_.Sequences();
    job.bottommost = plan.bottommost;
    if (icmp_->versioned()) {
      // Raised before any reader can see what it drops (readers check the
      // horizon after pinning their state); the edit records it.
      job.retention_horizon = RetentionHorizon();
      versions_->SetRetentionHorizon(job.retention_horizon);
    }
    job.max_output_file_size = plan.max_output_file_size > 0
                                   ? plan.max_output_file_size
                                   : options_.target_file_size;
    job.new_file_number = [this, &allocated] {
      MutexLock lock(&mu_);
      const uint64_t n = versions_->NewFileNumber();
      bg_.pending_outputs.insert(n);
      allocated.push_back(n);
      return n;
    };
    SetValueSeparation(&job, job.new_file_number);
    // Garbage collection rides on every compaction: the live values of
    // value-log files past the discard ratio move out of what it rewrites.
    const std::shared_ptr<const Version> current = versions_->current();
    job.vlog_relocate =
        ValueLogGcCandidates(*current, options_.value_log_gc_discard_ratio);
    if (!job.vlog_relocate.empty()) {
      job.vlog_relocate_max_bytes = kMaxRelocatedBytesPerCompaction;
      // Always verified: a value that moves gets a new checksum, which
      // must not vouch for bytes nobody checked.
      job.vlog_read = [this, current](const Slice& stored_key,
                                      const Slice& pointer,
                                      std::string* value) {
        return ReadValuePointer(*current, stored_key, pointer,
                                /*verify=*/true, value);
      };
      if (plan.reason == CompactionPlan::Reason::kValueLogGc) {
        // GC that runs on its own is paced, and gives way to other work;
        // the other compactions move values along with work that is due
        // anyway.
        job.vlog_after_relocate = [this](uint64_t bytes) {
          return ValueLogGcMayGoOn(bytes);
        };
      }
    }
    TableReadOptions ro;
    ro.fill_cache = false;       // a compaction reads everything once
    ro.whole_table_scan = true;  // in order: read ahead of it
    job.open_input = [this, ro](const FileMetaData& f) {
      return table_cache_->NewIterator(ro, f.number, f.file_size);
    };
    job.open_input_range_tombstones =
        [this](const FileMetaData& f) -> Result<RangeTombstoneListPtr> {
      std::shared_ptr<const Table> table;
      STRATA_RETURN_IF_ERROR(table_cache_->Find(f, &table));
      return table->range_tombstones();
    };
    job.creation_time = env_->NowMicros() / 1000000;

    mu_.Unlock();
    Result<CompactionJobResult> r = RunCompaction(job, inputs);
    if (r.ok()) {
      result = std::move(r).value();
      for (const FileMetaData& out : result.outputs) {
        edit.AddFile(plan.output_level, out);
      }
      for (const VlogFileMeta& v : result.vlog_outputs) edit.AddVlogFile(v);
      for (const auto& [number, bytes] : result.vlog_garbage) {
        edit.AddVlogGarbage(number, bytes);
      }
      s = versions_->LogAndApply(&edit);
    } else {
      s = r.status();
    }
    mu_.Lock();
  }

  for (const auto& f : inputs) bg_.busy_files.erase(f->number);
  for (const uint64_t n : allocated) bg_.pending_outputs.erase(n);
  if (!s.ok()) {
    info_log_->Log("compaction into L%d failed: %s", plan.output_level,
                   s.ToString().c_str());
    return s;
  }
  const uint64_t micros = env_->NowMicros() - start;
  LevelStats& stats = counters_.levels[static_cast<size_t>(plan.output_level)];
  if (plan.reason == CompactionPlan::Reason::kReads) {
    ++counters_.read_compactions;
  }
  if (plan.trivial_move) {
    ++counters_.trivial_moves;
  } else {
    stats.compactions++;
    stats.bytes_read += result.bytes_read;
    stats.bytes_written += result.bytes_written + result.vlog_bytes_written;
    counters_.vlog_bytes_written += result.vlog_bytes_written;
    counters_.vlog_relocated_values += result.vlog_relocated_values;
    counters_.vlog_relocated_bytes += result.vlog_relocated_bytes;
    if (plan.reason == CompactionPlan::Reason::kValueLogGc) {
      ++counters_.vlog_gc_compactions;
    }
    stats.micros += micros;
  }
  InstallSuperVersionLocked();
  info_log_->Log(
      "compacted %s -> L%d%s: %zu inputs (%" PRIu64
      " bytes), %zu "
      "outputs (%" PRIu64 " bytes), %" PRIu64 " entries in, %" PRIu64
      " out, %" PRIu64 " covered by range tombstones, %" PRIu64
      " past retention, %" PRIu64 "/%" PRIu64 " range tombstones kept, %.1f ms",
      plan.DebugString().c_str(), plan.output_level,
      plan.trivial_move ? " (moved)" : "", inputs.size(),
      plan.TotalInputBytes(), result.outputs.size(), result.bytes_written,
      result.stats.input_entries, result.stats.output_entries,
      result.stats.dropped_covered, result.stats.dropped_retention,
      result.range_tombstones_out, result.range_tombstones_in,
      static_cast<double>(micros) / 1000.0);
  DeleteObsoleteFilesLocked();
  return Status::OK();
}

Status DBImpl::CompactRange(const Slice* begin, const Slice* end) {
  STRATA_RETURN_IF_ERROR(CheckOpen());
  if (begin != nullptr && end != nullptr &&
      options_.comparator->Compare(*begin, *end) > 0) {
    return Status::InvalidArgument("CompactRange", "begin > end");
  }
  // What is in memtables takes part too.
  STRATA_RETURN_IF_ERROR(Flush());

  Slice stamped_begin;
  Slice stamped_end;
  // Table bounds in a versioned DB carry timestamps: the range runs from
  // begin's newest version (ts max) to end's oldest (ts 0 sorts after every
  // version, as 0 is never written).
  std::string versioned_begin;
  std::string versioned_end;
  if (icmp_->versioned()) {
    if (begin != nullptr) {
      AppendVersionedKey(&versioned_begin, *begin, kMaxTimestamp);
      begin = &(stamped_begin = versioned_begin);
    }
    if (end != nullptr) {
      AppendVersionedKey(&versioned_end, *end, 0);
      end = &(stamped_end = versioned_end);
    }
  }

  MutexLock lock(&mu_);
  ++bg_.manual_compactions;  // automatic picks pause
  while (bg_.compaction_running && bg_error_.ok() && !bg_.shutting_down) {
    bg_cv_.Wait();
  }
  if (bg_.shutting_down) {
    // Close() began: it waits for this call to leave.
    --bg_.manual_compactions;
    bg_cv_.SignalAll();
    return Status::InvalidArgument(dbname_, "the DB is closed");
  }
  bg_.compaction_running = true;
  Status s = bg_error_;
  const int last = options_.num_levels - 1;
  for (int level = 0; s.ok() && level <= last && !bg_.shutting_down; ++level) {
    // Each pick moves the range's files of `level` down; the last level
    // compacts into itself once (dropping tombstones and old versions).
    for (int round = 0; s.ok() && !bg_.shutting_down; ++round) {
      std::optional<CompactionPlan> plan = PickManualCompaction(
          *versions_->current(), policy_, level, begin, end, bg_.busy_files);
      if (!plan) break;
      s = RunCompactionLocked(*plan);
      if (plan->output_level == level || round > 1000) break;
    }
  }
  bg_.compaction_running = false;
  --bg_.manual_compactions;
  if (!s.ok() && bg_error_.ok()) bg_error_ = s;
  bg_cv_.SignalAll();
  return s;
}

void DBImpl::WriteBackpressureLocked(bool* stop, uint64_t* delay_micros) {
  mu_.AssertHeld();
  const int l0 = versions_->current()->NumFiles(0);
  const int slowdown = options_.level0_slowdown_writes_trigger;
  const int stop_at = options_.level0_stop_writes_trigger;
  *stop = l0 >= stop_at;
  *delay_micros = 0;
  if (!*stop && l0 >= slowdown) {
    // Rises smoothly from 0.1 ms at the slowdown trigger to 2 ms just
    // before the stop trigger, once per write group.
    const double span = stop_at > slowdown ? stop_at - slowdown : 1;
    const double x = static_cast<double>(l0 - slowdown) / span;
    *delay_micros = static_cast<uint64_t>(100 + 1900 * x * x);
  }
}

std::string DBImpl::StatsStringLocked(const Version& v) {
  mu_.AssertHeld();
  const std::vector<double> scores = ComputeScores(v, policy_);
  std::string r;
  char line[256];
  std::snprintf(line, sizeof(line), "%-5s %7s %12s %7s %12s %12s %8s %8s\n",
                "Level", "Files", "Size(MB)", "Score", "Read(MB)", "Write(MB)",
                "Comps", "W-Amp");
  r.append(line);
  uint64_t total_files = 0;
  uint64_t total_bytes = 0;
  uint64_t total_written = 0;
  for (int level = 0; level < v.num_levels(); ++level) {
    const LevelStats& s = counters_.levels[static_cast<size_t>(level)];
    const uint64_t bytes = v.LevelBytes(level);
    // Write amplification of a level: bytes written into it over bytes
    // that came into it from above (for L0: from flushes).
    const double w_amp =
        level == 0 ? 1.0
                   : (s.bytes_read > 0 ? static_cast<double>(s.bytes_written) /
                                             static_cast<double>(s.bytes_read)
                                       : 0.0);
    std::snprintf(
        line, sizeof(line),
        "L%-4d %7d %12.2f %7.2f %12.2f %12.2f %8" PRIu64 " %8.2f\n", level,
        v.NumFiles(level), static_cast<double>(bytes) / 1048576.0,
        level < static_cast<int>(scores.size())
            ? scores[static_cast<size_t>(level)]
            : 0.0,
        static_cast<double>(s.bytes_read) / 1048576.0,
        static_cast<double>(s.bytes_written) / 1048576.0, s.compactions, w_amp);
    r.append(line);
    total_files += static_cast<uint64_t>(v.NumFiles(level));
    total_bytes += bytes;
    total_written += s.bytes_written;
  }
  const double total_amp =
      pipeline_.BytesCommitted() > 0
          ? static_cast<double>(total_written) /
                static_cast<double>(pipeline_.BytesCommitted())
          : 0.0;
  std::snprintf(line, sizeof(line),
                "Sum   %7" PRIu64
                " %12.2f   user writes %.2f MB, table writes "
                "%.2f MB, write amplification %.2f, stalled %.3f s (stopped "
                "%.3f s)\n",
                total_files, static_cast<double>(total_bytes) / 1048576.0,
                static_cast<double>(pipeline_.BytesCommitted()) / 1048576.0,
                static_cast<double>(total_written) / 1048576.0, total_amp,
                static_cast<double>(counters_.stall_micros) / 1e6,
                static_cast<double>(counters_.stop_micros) / 1e6);
  r.append(line);
  if (!v.vlog_files().empty() || counters_.vlog_bytes_written > 0) {
    uint64_t records = 0;
    uint64_t garbage = 0;
    for (const auto& [number, f] : v.vlog_files()) {
      records += f->record_bytes;
      garbage += f->garbage_bytes;
    }
    std::snprintf(
        line, sizeof(line),
        "Vlog  %7zu %12.2f   garbage %.2f MB (%.1f%% of records), "
        "written %.2f MB (counted in the levels above), GC compactions "
        "%" PRIu64 ", relocated %.2f MB, paced %.1f s, yielded %" PRIu64 "\n",
        v.vlog_files().size(), static_cast<double>(v.VlogBytes()) / 1048576.0,
        static_cast<double>(garbage) / 1048576.0,
        records > 0 ? 100.0 * static_cast<double>(garbage) /
                          static_cast<double>(records)
                    : 0.0,
        static_cast<double>(counters_.vlog_bytes_written) / 1048576.0,
        counters_.vlog_gc_compactions,
        static_cast<double>(counters_.vlog_relocated_bytes) / 1048576.0,
        static_cast<double>(counters_.vlog_gc_paced_micros) / 1e6,
        counters_.vlog_gc_yields);
    r.append(line);
  }
  return r;
}

}  // namespace strata::internal
