#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "stats.hpp"

// Workloads run against a live daemon over its WebSocket. Each is bounded in time and count.
namespace sealbridge::bench {

struct target {
  std::uint16_t port = 0;
  std::string origin;
};

struct rate_result {
  double per_second = 0;
  std::uint64_t done = 0;
  std::uint64_t errors = 0;
  std::string first_error;
};

// `method` with `params` on one connection, `in_flight` requests outstanding, for `duration`.
rate_result pipelined_rate(const target& t, const std::string& method, const nlohmann::json& params,
                           unsigned in_flight, std::chrono::milliseconds duration);

class rpc_client;
// The same on a connection the caller keeps (a "session" consent stays with its connection).
rate_result pipelined_rate(rpc_client& client, const std::string& method,
                           const nlohmann::json& params, unsigned in_flight,
                           std::chrono::milliseconds duration);

// `clients` connections at once, each one request at a time, `total` requests in all.
rate_result concurrent_rate(const target& t, const std::string& method,
                            const nlohmann::json& params, unsigned clients, std::uint64_t total);

// One request at a time, `count` times: each call's latency.
latencies call_latencies(const target& t, const std::string& method, const nlohmann::json& params,
                         int count);

// `clients` connections open together; every round each sends `method` at once and all replies
// are awaited. Latency per request from its send to its reply.
latencies crowd_latencies(const target& t, const std::string& method, unsigned clients, int rounds,
                          std::uint64_t& errors);

std::string base64(const std::string& bytes);

}  // namespace sealbridge::bench
