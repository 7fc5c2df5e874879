#include "tests/crash/crash_model.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>

#include "strata/iterator.h"

namespace strata::crash {

namespace {

constexpr size_t kMaxMessages = 30;

// Consumes " <integer>" from the front of `*text`.
bool TakeInt(std::string_view* text, int64_t* out) {
  if (text->empty() || text->front() != ' ') return false;
  text->remove_prefix(1);
  const char* begin = text->data();
  auto [ptr, ec] = std::from_chars(begin, begin + text->size(), *out);
  if (ec != std::errc() || ptr == begin) return false;
  text->remove_prefix(static_cast<size_t>(ptr - begin));
  return true;
}

void Note(CheckResult* r, uint64_t* counter, std::string message) {
  ++*counter;
  if (r->messages.size() < kMaxMessages) {
    r->messages.push_back(std::move(message));
  }
}

// What a batch leaves at one key: a put (its ExpectedValue) or a delete.
struct Effect {
  int key;
  bool put;
};

std::vector<Effect> NetEffects(const std::vector<Op>& ops) {
  std::map<int, bool> last;
  for (const Op& op : ops) {
    switch (op.kind) {
      case OpKind::kPut:
        last[op.key] = true;
        break;
      case OpKind::kDelete:
        last[op.key] = false;
        break;
      case OpKind::kDeleteRange:
        for (int k = op.key; k < op.end; ++k) last[k] = false;
        break;
    }
  }
  std::vector<Effect> effects;
  effects.reserve(last.size());
  for (const auto& [key, put] : last) effects.push_back(Effect{key, put});
  return effects;
}

// Why one batch must commit before another.
enum class Reason : int { kWriterOrder = -1, kAckedFirst = -2, kSnapshot = -3 };

// Precedence between the applied batches of a cycle (Model, property 3).
class OrderGraph {
 public:
  OrderGraph(uint32_t cycle, const std::vector<int64_t>& applied)
      : cycle_(cycle), offset_(applied.size() + 1, 0) {
    for (size_t w = 0; w < applied.size(); ++w) {
      offset_[w + 1] = offset_[w] + static_cast<size_t>(applied[w] + 1);
    }
    edges_.resize(offset_.back());
  }

  // `why` is a key index, or a Reason.
  void Add(int w_from, int64_t n_from, int w_to, int64_t n_to, int why) {
    edges_[Node(w_from, n_from)].push_back(Edge{Node(w_to, n_to), why});
    ++count_;
  }

  uint64_t count() const { return count_; }

  // Empty if some total order satisfies every edge; else describes a cycle.
  std::string FindCycle(const KeySpace& keys) const {
    const size_t nodes = edges_.size();
    std::vector<uint32_t> indegree(nodes, 0);
    for (const auto& out : edges_) {
      for (const Edge& e : out) ++indegree[e.to];
    }
    std::deque<size_t> ready;
    for (size_t i = 0; i < nodes; ++i) {
      if (indegree[i] == 0) ready.push_back(i);
    }
    size_t done = 0;
    while (!ready.empty()) {
      const size_t i = ready.front();
      ready.pop_front();
      ++done;
      for (const Edge& e : edges_[i]) {
        if (--indegree[e.to] == 0) ready.push_back(e.to);
      }
    }
    if (done == nodes) return "";
    // Every node left has a predecessor that is left too: walk back until
    // a node repeats.
    std::vector<std::pair<size_t, int>> pred(nodes, {nodes, 0});
    for (size_t i = 0; i < nodes; ++i) {
      if (indegree[i] == 0) continue;
      for (const Edge& e : edges_[i]) {
        if (indegree[e.to] > 0) pred[e.to] = {i, e.why};
      }
    }
    size_t at = 0;
    while (indegree[at] == 0) ++at;
    std::vector<size_t> seen_at(nodes, nodes);
    std::vector<size_t> path;
    while (seen_at[at] == nodes) {
      seen_at[at] = path.size();
      path.push_back(at);
      at = pred[at].first;
    }
    // path[s..] is the cycle, each node preceded by the next one.
    const size_t s = seen_at[at];
    std::string text = Name(path[s]);
    for (size_t j = s; j < path.size(); ++j) {
      const auto& [from, why] = pred[path[j]];
      text += " <-[" + Why(why, keys) + "]- " + Name(from);
    }
    return text;
  }

 private:
  struct Edge {
    size_t to;
    int why;
  };

  size_t Node(int w, int64_t n) const {
    return offset_[static_cast<size_t>(w)] + static_cast<size_t>(n);
  }

  std::string Name(size_t node) const {
    size_t w = 0;
    while (offset_[w + 1] <= node) ++w;
    return ToString(BatchId{cycle_, static_cast<int>(w),
                            static_cast<int64_t>(node - offset_[w])});
  }

  static std::string Why(int why, const KeySpace& keys) {
    switch (static_cast<Reason>(why)) {
      case Reason::kWriterOrder:
        return "writer order";
      case Reason::kAckedFirst:
        return "acknowledged before the other was issued";
      case Reason::kSnapshot:
        return "a snapshot showed it without the other";
    }
    return "key " + keys.Name(why) + " shows the later one";
  }

  const uint32_t cycle_;
  std::vector<size_t> offset_;  // first node of each writer
  std::vector<std::vector<Edge>> edges_;
  uint64_t count_ = 0;
};

}  // namespace

// ---- CycleLog ---------------------------------------------------------------

CycleLog::CycleLog(const KeySpace& keys, uint32_t cycle)
    : keys_(keys),
      cycle_(cycle),
      batches_(static_cast<size_t>(keys.writers)),
      last_acked_(static_cast<size_t>(keys.writers), -1),
      last_visible_(static_cast<size_t>(keys.writers), -1) {}

bool CycleLog::AddLine(std::string_view line, std::string* error) {
  if (line == "READY") {
    ready_ = true;
    return true;
  }
  if (line.starts_with("F ")) {
    failures_.emplace_back(line.substr(2));
    return true;
  }
  *error = "malformed report: " + std::string(line.substr(0, 200));
  if (line.empty()) return false;
  const char kind = line.front();
  std::string_view rest = line.substr(1);
  const auto writers = static_cast<size_t>(keys_.writers);
  if (kind == 'V') {
    std::vector<int64_t> seen(writers);
    for (size_t w = 0; w < writers; ++w) {
      if (!TakeInt(&rest, &seen[w]) || seen[w] < -1) return false;
      if (seen[w] >= static_cast<int64_t>(batches_[w].size())) {
        *error = "a snapshot showed a batch never issued: " + std::string(line);
        return false;
      }
      last_visible_[w] = std::max(last_visible_[w], seen[w]);
    }
    if (!rest.empty()) return false;
    snapshots_.push_back(std::move(seen));
    return true;
  }
  int64_t w = 0;
  int64_t n = 0;
  if (!TakeInt(&rest, &w) || !TakeInt(&rest, &n) || w < 0 ||
      w >= keys_.writers) {
    return false;
  }
  std::vector<Batch>& mine = batches_[static_cast<size_t>(w)];
  if (kind == 'I') {
    Batch batch;
    if (n != static_cast<int64_t>(mine.size()) ||
        !ParseOps(rest, keys_, &batch.ops)) {
      return false;
    }
    batch.acked_before = last_acked_;
    mine.push_back(std::move(batch));
    return true;
  }
  if (kind == 'A' && rest.empty() && !mine.empty() &&
      n == static_cast<int64_t>(mine.size()) - 1 && !mine.back().acked) {
    mine.back().acked = true;
    last_acked_[static_cast<size_t>(w)] = n;
    return true;
  }
  return false;
}

// ---- Reading the reopened DB ------------------------------------------------

Recovered ReadRecovered(DB* db, const KeySpace& keys) {
  Recovered found;
  const int size = keys.Size();
  found.values.resize(static_cast<size_t>(size));
  std::unordered_map<std::string, int> index;
  for (int i = 0; i < size; ++i) index.emplace(keys.Name(i), i);

  const ReadOptions ro;
  std::vector<std::pair<std::string, std::string>> forward;
  {
    std::unique_ptr<Iterator> it = db->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key = it->key().ToString();
      if (!forward.empty() && key <= forward.back().first) {
        found.read_errors.push_back("scan yields " + key + " after " +
                                    forward.back().first);
      }
      const auto at = index.find(key);
      if (at == index.end()) {
        found.unknown_keys.push_back(key);
      } else {
        found.values[static_cast<size_t>(at->second)] = it->value().ToString();
      }
      forward.emplace_back(std::move(key), it->value().ToString());
    }
    if (!it->status().ok()) {
      found.read_errors.push_back("scan: " + it->status().ToString());
    }
  }
  {
    std::unique_ptr<Iterator> it = db->NewIterator(ro);
    size_t remaining = forward.size();
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (remaining == 0 || it->key() != Slice(forward[remaining - 1].first) ||
          it->value() != Slice(forward[remaining - 1].second)) {
        found.read_errors.push_back("reverse scan disagrees at " +
                                    it->key().ToString());
        break;
      }
      --remaining;
    }
    if (!it->status().ok()) {
      found.read_errors.push_back("reverse scan: " + it->status().ToString());
    } else if (remaining != 0 && found.read_errors.empty()) {
      found.read_errors.push_back("reverse scan misses " +
                                  forward[remaining - 1].first);
    }
  }
  uint64_t data_present = 0;
  for (int i = 0; i < size; ++i) {
    const auto& want = found.values[static_cast<size_t>(i)];
    if (i < keys.data_keys && want) ++data_present;
    std::string value;
    const Status s = db->Get(ro, keys.Name(i), &value);
    if (s.IsNotFound() && !want) continue;
    if (!s.ok() || !want || value != *want) {
      found.read_errors.push_back("Get(" + keys.Name(i) + ") = " +
                                  s.ToString() + ", disagrees with the scan");
    }
  }
  uint64_t count = 0;
  const Status s =
      db->Count(ro, keys.DataBound(0), keys.DataBound(keys.data_keys), &count);
  if (!s.ok() || count != data_present) {
    found.read_errors.push_back("Count = " + std::to_string(count) + " (" +
                                s.ToString() + "), the scan found " +
                                std::to_string(data_present) + " data keys");
  }
  return found;
}

// ---- Model ------------------------------------------------------------------

Model::Model(const KeySpace& keys)
    : keys_(keys), base_(static_cast<size_t>(keys.Size())) {}

CheckResult Model::CheckCycle(const CycleLog& log, const Recovered& found) {
  CheckResult r;
  const uint32_t cycle = log.cycle();
  const int writers = keys_.writers;
  const auto& batches = log.batches();
  const auto size = static_cast<size_t>(keys_.Size());
  auto id_of = [cycle](int w, int64_t n) {
    return ToString(BatchId{cycle, w, n});
  };

  for (const std::string& key : found.unknown_keys) {
    Note(&r, &r.garbage_keys, "unknown key " + key.substr(0, 80));
  }
  for (const std::string& error : found.read_errors) {
    Note(&r, &r.read_errors, error);
  }

  // Property 4: exact bytes.
  std::vector<std::optional<BatchId>> origin(size);
  for (size_t i = 0; i < size; ++i) {
    if (!found.values[i]) continue;
    const std::string& value = *found.values[i];
    const std::string name = keys_.Name(static_cast<int>(i));
    const std::optional<ValueOrigin> o = ParseValue(value);
    if (!o || o->key_name != name || o->id.writer < 0 ||
        o->id.writer >= writers || o->id.cycle > cycle ||
        value != ExpectedValue(o->id, name)) {
      Note(&r, &r.wrong_values,
           "key " + name +
               " holds a value no batch wrote: " + value.substr(0, 80));
      continue;
    }
    origin[i] = o->id;
  }

  // Property 1: the applied prefix of each writer, from its marker.
  std::vector<int64_t> applied(static_cast<size_t>(writers), -1);
  for (int w = 0; w < writers; ++w) {
    const auto wi = static_cast<size_t>(w);
    const auto& marker = origin[static_cast<size_t>(keys_.MarkerKey(w))];
    if (marker && marker->cycle == cycle) {
      if (marker->writer != w) {
        Note(&r, &r.wrong_values,
             "marker of writer " + std::to_string(w) + " shows " +
                 ToString(*marker));
      } else if (marker->n >= static_cast<int64_t>(batches[wi].size())) {
        Note(&r, &r.wrong_values,
             "marker shows batch " + ToString(*marker) + ", never issued");
      } else {
        applied[wi] = marker->n;
      }
    }
    r.batches_issued += batches[wi].size();
    r.batches_acked += static_cast<uint64_t>(log.last_acked()[wi] + 1);
    r.batches_applied += static_cast<uint64_t>(applied[wi] + 1);
    const int64_t must = std::max(log.last_acked()[wi], log.last_visible()[wi]);
    if (applied[wi] < must) {
      r.lost_acked += static_cast<uint64_t>(must - applied[wi]);
      if (r.messages.size() < kMaxMessages) {
        r.messages.push_back(
            "writer " + std::to_string(w) + ": batches up to " +
            id_of(w, must) +
            " were acknowledged or seen by a reader, but the recovered marker "
            "shows only " +
            std::to_string(applied[wi]));
      }
    }
  }

  // history[key][w]: (n, put) for each batch of w that left an effect.
  std::vector<std::vector<std::vector<std::pair<int64_t, bool>>>> history(
      size, std::vector<std::vector<std::pair<int64_t, bool>>>(
                static_cast<size_t>(writers)));
  for (int w = 0; w < writers; ++w) {
    const auto& mine = batches[static_cast<size_t>(w)];
    for (size_t n = 0; n < mine.size(); ++n) {
      for (const Effect& e : NetEffects(mine[n].ops)) {
        history[static_cast<size_t>(e.key)][static_cast<size_t>(w)]
            .emplace_back(static_cast<int64_t>(n), e.put);
      }
    }
  }

  // Property 2 and the key edges of property 3.
  OrderGraph graph(cycle, applied);
  struct Cand {
    int w;
    int64_t n;
    bool put;
  };
  auto classify = [&](const std::vector<Cand>& missing) -> uint64_t* {
    for (const Cand& c : missing) {
      if (c.n == applied[static_cast<size_t>(c.w)]) return &r.half_applied;
    }
    return &r.holes;
  };
  auto list = [&](const std::vector<Cand>& cands) {
    std::string s;
    for (const Cand& c : cands) {
      s += (s.empty() ? "" : ", ") + id_of(c.w, c.n) +
           (c.put ? " (put)" : " (delete)");
    }
    return s;
  };
  for (size_t k = 0; k < size; ++k) {
    if (found.values[k] && !origin[k]) continue;  // counted above
    const int key = static_cast<int>(k);
    const std::string name = keys_.Name(key);
    // The last write to the key of each writer's applied batches.
    std::vector<Cand> cands;
    for (int w = 0; w < writers; ++w) {
      const auto& h = history[k][static_cast<size_t>(w)];
      const int64_t limit = applied[static_cast<size_t>(w)];
      auto it =
          std::upper_bound(h.begin(), h.end(), limit,
                           [](int64_t n, const std::pair<int64_t, bool>& e) {
                             return n < e.first;
                           });
      if (it != h.begin()) {
        --it;
        cands.push_back(Cand{w, it->first, it->second});
      }
    }
    if (found.values[k] && origin[k]->cycle == cycle) {
      const BatchId id = *origin[k];
      const auto wi = static_cast<size_t>(id.writer);
      if (id.n > applied[wi]) {
        Note(&r, &r.half_applied,
             "key " + name + " shows " + ToString(id) + ", but writer " +
                 std::to_string(id.writer) + "'s marker shows only batch " +
                 std::to_string(applied[wi]));
        continue;
      }
      const auto mine =
          std::find_if(cands.begin(), cands.end(),
                       [&](const Cand& c) { return c.w == id.writer; });
      const auto& h = history[k][wi];
      const bool wrote_it = std::any_of(h.begin(), h.end(), [&](const auto& e) {
        return e.first == id.n && e.second;
      });
      if (!wrote_it) {
        Note(&r, &r.wrong_values,
             "key " + name + " shows " + ToString(id) +
                 ", which did not put it");
        continue;
      }
      if (mine == cands.end()) {  // cannot be: id.n itself is a candidate
        Note(&r, &r.wrong_values,
             "key " + name + " shows " + ToString(id) +
                 ", and the model lost track of it");
        continue;
      }
      if (mine->n != id.n) {
        const std::vector<Cand> missing{*mine};
        Note(&r, classify(missing),
             "key " + name + " shows " + ToString(id) + ", but the applied " +
                 list(missing) + " of the same writer wrote it later");
        continue;
      }
      for (const Cand& c : cands) {
        if (c.w != id.writer) graph.Add(c.w, c.n, id.writer, id.n, key);
      }
      continue;
    }
    if (found.values[k]) {  // a value from an earlier cycle
      if (!cands.empty()) {
        Note(&r, classify(cands),
             "key " + name + " still shows " + ToString(*origin[k]) +
                 " from an earlier cycle, but applied batches wrote it: " +
                 list(cands));
      } else if (!base_[k]) {
        Note(&r, &r.wrong_values,
             "key " + name +
                 " was absent after the last cycle and nothing "
                 "wrote it, but it is back with " +
                 ToString(*origin[k]));
      } else if (*base_[k] != *found.values[k]) {
        Note(&r, &r.lost_acked,
             "key " + name + " went back from " +
                 ToString(ParseValue(*base_[k])->id) + " to " +
                 ToString(*origin[k]));
      }
      continue;
    }
    // The key is absent.
    if (cands.empty()) {
      if (base_[k]) {
        Note(&r, &r.lost_acked,
             "key " + name + " (" + ToString(ParseValue(*base_[k])->id) +
                 " after the last cycle) vanished though nothing deleted it");
      }
      continue;
    }
    std::vector<Cand> deletes;
    for (const Cand& c : cands) {
      if (!c.put) deletes.push_back(c);
    }
    if (deletes.empty()) {
      Note(&r, classify(cands),
           "key " + name +
               " is absent, but applied batches put it: " + list(cands));
    } else if (deletes.size() == 1) {
      for (const Cand& c : cands) {
        if (c.w != deletes[0].w) {
          graph.Add(c.w, c.n, deletes[0].w, deletes[0].n, key);
        }
      }
    }
    // Several writers deleting last: any of them may have been last, and
    // with two writers there is then no put to order.
  }

  // The other edges of property 3.
  for (int w = 0; w < writers; ++w) {
    const auto wi = static_cast<size_t>(w);
    for (int64_t n = 0; n <= applied[wi]; ++n) {
      if (n > 0) {
        graph.Add(w, n - 1, w, n, static_cast<int>(Reason::kWriterOrder));
      }
      const auto& before = batches[wi][static_cast<size_t>(n)].acked_before;
      for (int v = 0; v < writers; ++v) {
        const int64_t x = before[static_cast<size_t>(v)];
        if (v != w && x >= 0 && x <= applied[static_cast<size_t>(v)]) {
          graph.Add(v, x, w, n, static_cast<int>(Reason::kAckedFirst));
        }
      }
    }
  }
  for (const std::vector<int64_t>& seen : log.snapshots()) {
    for (int w = 0; w < writers; ++w) {
      const int64_t m = seen[static_cast<size_t>(w)];
      if (m < 0 || m > applied[static_cast<size_t>(w)]) continue;
      for (int v = 0; v < writers; ++v) {
        const int64_t next = seen[static_cast<size_t>(v)] + 1;
        if (v != w && next <= applied[static_cast<size_t>(v)]) {
          graph.Add(w, m, v, next, static_cast<int>(Reason::kSnapshot));
        }
      }
    }
  }
  r.order_edges = graph.count();
  const std::string cycle_text = graph.FindCycle(keys_);
  if (!cycle_text.empty()) {
    Note(&r, &r.order_violations,
         "no commit order explains the recovered state: " + cycle_text);
  }

  if (r.ok()) base_ = found.values;
  return r;
}

}  // namespace strata::crash
