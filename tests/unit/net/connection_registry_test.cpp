#include "net/connection_registry.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "net/byte_budget.hpp"

using namespace sealbridge::net;
using clock_type = connection_registry::clock;

TEST_CASE("the registry admits up to the cap, then evicts the longest-waiting opening one") {
  connection_registry registry(3, 2);
  auto t0 = clock_type::now();
  std::vector<int> evicted;
  std::vector<std::shared_ptr<connection_ticket>> tickets;
  for (int i = 0; i < 3; ++i) {
    auto ticket = registry.admit(t0 + std::chrono::seconds(i));
    REQUIRE(ticket);
    ticket->enter(connection_phase::opening, t0 + std::chrono::seconds(i),
                  [&evicted, i] { evicted.push_back(i); });
    tickets.push_back(ticket);
  }
  CHECK(registry.live() == 3);

  // Ticket 0 is working on a request, 1 is writing, 2 is still opening: 2 goes first.
  tickets[0]->enter(connection_phase::working, t0, nullptr);
  tickets[1]->enter(connection_phase::writing, t0, nullptr);
  auto fourth = registry.admit();
  REQUIRE(fourth);
  CHECK(evicted == std::vector<int>{2});
  // 2 has not closed yet; the next newcomer takes the writer, never the same victim twice.
  auto fifth = registry.admit();
  REQUIRE(fifth);
  CHECK(evicted == std::vector<int>{2, 1});
  // Nothing evictable is left (0 works; 3 and 4 have no way to be closed installed).
  CHECK_FALSE(registry.admit());

  tickets[2].reset();
  tickets[1].reset();
  CHECK(registry.live() == 3);
  CHECK_FALSE(registry.admit());  // 0, fourth and fifth hold the three slots
  fifth.reset();
  CHECK(registry.admit());
}

TEST_CASE("WebSocket sessions are never evicted and are capped apart") {
  connection_registry registry(2, 1);
  int evictions = 0;
  auto a = registry.admit();
  a->enter(connection_phase::websocket, clock_type::now(), [&] { ++evictions; });
  CHECK_FALSE(registry.websocket_allowed());
  auto b = registry.admit();
  b->enter(connection_phase::working, clock_type::now(), [&] { ++evictions; });
  CHECK_FALSE(registry.admit());
  CHECK(evictions == 0);
  a.reset();
  CHECK(registry.websocket_allowed());
}

TEST_CASE("evictions still pending are bounded") {
  connection_registry registry(1, 1);
  int evictions = 0;
  std::vector<std::shared_ptr<connection_ticket>> held;
  for (int i = 0; i < 5; ++i) {
    auto t = registry.admit();
    if (!t) break;
    t->enter(connection_phase::opening, clock_type::now(), [&] { ++evictions; });
    held.push_back(t);
  }
  // One live plus at most one cap's worth closing.
  CHECK(held.size() == 2);
  CHECK(evictions == 1);
}

TEST_CASE("the byte budget never goes over its limit") {
  byte_budget budget(100);
  byte_lease a(budget);
  byte_lease b(budget);
  CHECK(a.grow(60));
  CHECK_FALSE(b.grow(41));
  CHECK(b.grow(40));
  CHECK(budget.used() == 100);
  CHECK_FALSE(a.grow(1));
  a.shrink(10);
  CHECK(budget.used() == 90);
  {
    byte_lease moved(std::move(b));
    CHECK(b.held() == 0);
    CHECK(moved.held() == 40);
  }
  CHECK(budget.used() == 50);
  CHECK_FALSE(byte_lease(budget).grow(51));
  CHECK(budget.used() == 50);
}
