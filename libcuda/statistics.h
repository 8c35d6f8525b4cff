// What the session did, for measuring how chatty a workload is (for example
// blocking round trips per decoded token of an LLM). Counted always (relaxed
// atomics, a few ns per call); written only when asked: at process exit,
// VGPU_STATS=<path> appends one line of key=value pairs to that file
// ("-" means stderr). Never printed otherwise (design principle 8).
#pragma once

#include <atomic>
#include <cstdint>

namespace vgpu::cu {

struct SessionStatistics {
  std::atomic<uint64_t> posted{0};      // calls nobody waited for
  std::atomic<uint64_t> landings{0};    // async device-to-host copies
  std::atomic<uint64_t> round_trips{0}; // calls the caller blocked on
  std::atomic<uint64_t> batches{0};     // CallBatch messages written
  std::atomic<uint64_t> bytes{0};       // serialized call bytes written
  std::atomic<uint64_t> answered_locally{0};  // waits answered without a round trip
  std::atomic<uint64_t> fence_calls{0};  // posted to order streams after such a wait
};

SessionStatistics& Statistics();

// Counts one posted call (wire op number) once it is queued. Calls that are
// not stream work (creates, destroys, frees) are also counted apart: their
// errors wait for the next synchronizing reply, so a wait answered without a
// round trip needs them all covered by an earlier one (objects.cpp).
void CountPosted(int op);
uint64_t PostedOutsideStreams();

// Counts one blocking call by its wire op (the Call.op field number), so the
// report says which calls cost round trips.
void CountRoundTrip(int op);

// Writes the line if VGPU_STATS is set. Called once, at exit.
void ReportStatistics();

}  // namespace vgpu::cu
