#include "scenarios.hpp"

#include <openssl/evp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "rpc_client.hpp"

namespace sealbridge::bench {

namespace {

bool failed(const nlohmann::json& reply) {
  return !reply.contains("result");
}

}  // namespace

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

rate_result pipelined_rate(const target& t, const std::string& method, const nlohmann::json& params,
                           unsigned in_flight, std::chrono::milliseconds duration) {
  rpc_client client(t.port, t.origin);
  return pipelined_rate(client, method, params, in_flight, duration);
}

rate_result pipelined_rate(rpc_client& client, const std::string& method,
                           const nlohmann::json& params, unsigned in_flight,
                           std::chrono::milliseconds duration) {
  rate_result out;
  auto start = bench_clock::now();
  auto until = start + duration;
  unsigned outstanding = 0;
  for (; outstanding < in_flight; ++outstanding) client.send(method, params);
  while (outstanding > 0) {
    auto reply = client.receive();
    if (!reply.contains("id")) continue;  // a notification (sign.progress)
    --outstanding;
    if (failed(reply)) {
      if (out.errors++ == 0) out.first_error = reply.dump();
    } else {
      ++out.done;
    }
    if (bench_clock::now() < until) {
      client.send(method, params);
      ++outstanding;
    }
  }
  out.per_second = static_cast<double>(out.done) / seconds_since(start);
  return out;
}

rate_result concurrent_rate(const target& t, const std::string& method,
                            const nlohmann::json& params, unsigned clients, std::uint64_t total) {
  std::atomic<std::uint64_t> claimed{0}, done{0}, errors{0};
  std::mutex first_mutex;
  std::string first_error;
  std::vector<std::unique_ptr<rpc_client>> connections;
  for (unsigned c = 0; c < clients; ++c)
    connections.push_back(std::make_unique<rpc_client>(t.port, t.origin));
  auto start = bench_clock::now();
  std::vector<std::thread> threads;
  for (auto& connection : connections) {
    threads.emplace_back([&, client = connection.get()] {
      while (claimed++ < total) {
        try {
          auto reply = client->call(method, params);
          if (failed(reply)) {
            std::lock_guard lock(first_mutex);
            if (errors++ == 0) first_error = reply.dump();
          } else {
            ++done;
          }
        } catch (const std::exception& e) {
          std::lock_guard lock(first_mutex);
          if (errors++ == 0) first_error = e.what();
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  rate_result out;
  out.done = done;
  out.errors = errors;
  out.first_error = first_error;
  out.per_second = static_cast<double>(out.done) / seconds_since(start);
  return out;
}

latencies call_latencies(const target& t, const std::string& method, const nlohmann::json& params,
                         int count) {
  rpc_client client(t.port, t.origin);
  for (int i = 0; i < 20; ++i) result_of(client.call(method, params));  // warm-up
  latencies out;
  for (int i = 0; i < count; ++i) {
    auto start = bench_clock::now();
    result_of(client.call(method, params));
    out.add(bench_clock::now() - start);
  }
  return out;
}

latencies crowd_latencies(const target& t, const std::string& method, unsigned clients, int rounds,
                          std::uint64_t& errors) {
  std::vector<std::unique_ptr<rpc_client>> crowd;
  for (unsigned c = 0; c < clients; ++c)
    crowd.push_back(std::make_unique<rpc_client>(t.port, t.origin));
  latencies out;
  errors = 0;
  std::vector<bench_clock::time_point> sent(clients);
  for (int round = 0; round < rounds; ++round) {
    for (unsigned c = 0; c < clients; ++c) {
      sent[c] = bench_clock::now();
      crowd[c]->send(method, nlohmann::json::object());
    }
    // Replies are read in sending order; a reply that came earlier waited in the socket, so
    // its latency is an upper bound — the figure is conservative, never flattering.
    for (unsigned c = 0; c < clients; ++c) {
      auto reply = crowd[c]->receive();
      out.add(bench_clock::now() - sent[c]);
      if (failed(reply)) ++errors;
    }
  }
  return out;
}

}  // namespace sealbridge::bench
