#include "base/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "base/random.h"

namespace strata::internal {
namespace {

TEST(HistogramTest, EmptyHistogramIsAllZero) {
  Histogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Min(), 0.0);
  EXPECT_EQ(h.Max(), 0.0);
  EXPECT_EQ(h.Sum(), 0.0);
  EXPECT_EQ(h.Average(), 0.0);
  EXPECT_EQ(h.StandardDeviation(), 0.0);
  EXPECT_EQ(h.Percentile(50), 0.0);
}

TEST(HistogramTest, SingleSample) {
  Histogram h;
  h.Add(10);
  EXPECT_EQ(h.Count(), 1u);
  EXPECT_EQ(h.Min(), 10.0);
  EXPECT_EQ(h.Max(), 10.0);
  EXPECT_EQ(h.Sum(), 10.0);
  EXPECT_EQ(h.Average(), 10.0);
  EXPECT_EQ(h.StandardDeviation(), 0.0);
  // Percentiles are clamped to [min, max].
  EXPECT_EQ(h.Percentile(0), 10.0);
  EXPECT_EQ(h.Percentile(50), 10.0);
  EXPECT_EQ(h.Percentile(100), 10.0);
}

TEST(HistogramTest, StatisticsOfSmallKnownInputs) {
  Histogram h;
  for (double v : {1, 2, 3, 4, 5}) h.Add(v);
  EXPECT_EQ(h.Count(), 5u);
  EXPECT_EQ(h.Min(), 1.0);
  EXPECT_EQ(h.Max(), 5.0);
  EXPECT_EQ(h.Sum(), 15.0);
  EXPECT_DOUBLE_EQ(h.Average(), 3.0);
  // Population standard deviation: sqrt(((1-3)^2 + ... + (5-3)^2) / 5).
  EXPECT_DOUBLE_EQ(h.StandardDeviation(), std::sqrt(2.0));

  Histogram g;
  for (double v : {2, 4, 4, 4, 5, 5, 7, 9}) g.Add(v);
  EXPECT_EQ(g.Count(), 8u);
  EXPECT_EQ(g.Min(), 2.0);
  EXPECT_EQ(g.Max(), 9.0);
  EXPECT_DOUBLE_EQ(g.Average(), 5.0);
  EXPECT_DOUBLE_EQ(g.StandardDeviation(), 2.0);
}

TEST(HistogramTest, ZeroAndFractionalSamples) {
  Histogram h;
  for (double v : {0.0, 0.5, 1.5}) h.Add(v);
  EXPECT_EQ(h.Min(), 0.0);
  EXPECT_EQ(h.Max(), 1.5);
  EXPECT_DOUBLE_EQ(h.Average(), 2.0 / 3.0);
}

TEST(HistogramTest, PercentilesOfUniformOneToThousand) {
  // Samples 1..1000: the true p-th percentile is 10 * p. Interpolation
  // inside a bucket is exact for uniform data up to the integer step, so
  // below the last occupied bucket we allow +-2.
  constexpr double kTolerance = 2;
  // The last occupied bucket, [924, 1108), extends past the maximum (1000)
  // and interpolation spreads its 77 samples over the whole width, so
  // percentiles there read high (p95 gives 987.7); we allow +40 (4% of the
  // range) there, and never more than the maximum.
  constexpr double kTailTolerance = 40;
  Histogram h;
  for (int v = 1; v <= 1000; ++v) h.Add(v);
  EXPECT_EQ(h.Count(), 1000u);
  EXPECT_EQ(h.Min(), 1.0);
  EXPECT_EQ(h.Max(), 1000.0);
  EXPECT_DOUBLE_EQ(h.Average(), 500.5);
  for (double p : {1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 92.0}) {
    EXPECT_NEAR(h.Percentile(p), 10 * p, kTolerance) << "p" << p;
  }
  for (double p : {95.0, 97.0, 99.0, 99.9}) {
    EXPECT_GE(h.Percentile(p), 10 * p - kTolerance) << "p" << p;
    EXPECT_LE(h.Percentile(p), 10 * p + kTailTolerance) << "p" << p;
    EXPECT_LE(h.Percentile(p), 1000.0) << "p" << p;
  }
  EXPECT_EQ(h.Percentile(100), 1000.0);
  EXPECT_EQ(h.Percentile(0), 1.0);
  // Percentiles never decrease with p.
  double last = 0;
  for (double p = 0; p <= 100; p += 0.5) {
    const double v = h.Percentile(p);
    EXPECT_GE(v, last) << "p" << p;
    last = v;
  }
}

TEST(HistogramTest, MergeEqualsAddingEverything) {
  Random rnd(601);
  Histogram a;
  Histogram b;
  Histogram all;
  for (int i = 0; i < 5000; ++i) {
    const double v = static_cast<double>(rnd.Skewed(20));
    (i % 3 == 0 ? a : b).Add(v);
    all.Add(v);
  }
  b.Add(1e7);  // a maximum only one side has
  all.Add(1e7);
  a.Merge(b);
  EXPECT_EQ(a.Count(), all.Count());
  EXPECT_EQ(a.Min(), all.Min());
  EXPECT_EQ(a.Max(), all.Max());
  EXPECT_DOUBLE_EQ(a.Sum(), all.Sum());
  EXPECT_DOUBLE_EQ(a.Average(), all.Average());
  EXPECT_DOUBLE_EQ(a.StandardDeviation(), all.StandardDeviation());
  for (double p : {10.0, 50.0, 90.0, 99.0, 99.99}) {
    EXPECT_DOUBLE_EQ(a.Percentile(p), all.Percentile(p)) << "p" << p;
  }
}

TEST(HistogramTest, MergeWithEmptyChangesNothing) {
  Histogram h;
  for (double v : {3, 7, 11}) h.Add(v);
  const std::string before = h.ToString();
  h.Merge(Histogram());
  EXPECT_EQ(h.ToString(), before);
  EXPECT_EQ(h.Min(), 3.0);

  Histogram empty;
  empty.Merge(h);
  EXPECT_EQ(empty.ToString(), before);
}

TEST(HistogramTest, ClearResetsEverything) {
  Histogram h;
  const std::string fresh = h.ToString();
  for (double v : {5, 50, 500}) h.Add(v);
  EXPECT_NE(h.ToString(), fresh);
  h.Clear();
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Min(), 0.0);
  EXPECT_EQ(h.Max(), 0.0);
  EXPECT_EQ(h.Sum(), 0.0);
  EXPECT_EQ(h.StandardDeviation(), 0.0);
  EXPECT_EQ(h.ToString(), fresh);
  // Usable again after Clear; the old min does not linger.
  h.Add(42);
  EXPECT_EQ(h.Min(), 42.0);
  EXPECT_EQ(h.Max(), 42.0);
  EXPECT_EQ(h.Count(), 1u);
}

TEST(HistogramTest, ToStringReportsCountAndBuckets) {
  Histogram h;
  for (double v : {1, 1, 2}) h.Add(v);
  const std::string s = h.ToString();
  EXPECT_NE(s.find("Count: 3"), std::string::npos) << s;
  EXPECT_NE(s.find("Min: 1.0000"), std::string::npos) << s;
  EXPECT_NE(s.find("Max: 2.0000"), std::string::npos) << s;
}

}  // namespace
}  // namespace strata::internal
