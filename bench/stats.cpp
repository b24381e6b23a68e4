#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sealbridge::bench {

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

void latencies::add(bench_clock::duration d) {
  micros.push_back(std::chrono::duration<double, std::micro>(d).count());
}

double latencies::percentile(double p) const {
  if (micros.empty()) return 0;
  auto sorted = micros;
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void print_table(const std::vector<figure>& rows) {
  std::printf("\n| figure | ours | raw / reference | ratio / derived | target | met |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& r : rows)
    std::printf("| %s | %s | %s | %s | %s | %s |\n", r.name.c_str(), r.ours.c_str(),
                r.reference.c_str(), r.derived.c_str(), r.target.c_str(), r.met ? "yes" : "NO");
  std::fflush(stdout);
}

}  // namespace sealbridge::bench
