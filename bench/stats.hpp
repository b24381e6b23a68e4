#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sealbridge::bench {

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start);

// Latencies in microseconds; percentile() sorts a copy.
struct latencies {
  std::vector<double> micros;
  void add(bench_clock::duration d);
  double percentile(double p) const;
};

// One row of the printed table: what was measured, our figure, the reference figure measured
// in the same run (empty when there is none), the ratio or derived value, the target, verdict.
struct figure {
  std::string name;
  std::string ours;
  std::string reference;
  std::string derived;
  std::string target;
  bool met = false;
};

std::string fixed(double value, int decimals);
void print_table(const std::vector<figure>& rows);

}  // namespace sealbridge::bench
