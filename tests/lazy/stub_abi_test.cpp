// The lazy-loading stubs (core/data/src/lazy_stub.h) against a library of our own: the first call
// of each function goes through the loader and must reach it with every argument as the caller
// passed it (integer and floating-point registers, the stack, a variadic call, a structure returned
// through memory), and so must the calls after it; calls from several threads at once load the
// library once. Runs on x86-64 and, in the cross build, on AArch64 under qemu.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <cstddef>
#include <thread>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/lazy_library.h"

// The table cmake/lazy_load.cmake would generate for this one library (the real one is in the data
// layer, which this test does not link).
extern "C" {
extern const char *const dk_lazy_sonames[] = {DKT_LIBRARY, "/nonexistent/libdkt_missing.so.1"};
extern const char *const dk_lazy_names[] = {"dkt_mix", "dkt_sum", "dkt_big", "dkt_eight", "dkt_missing"};
extern const unsigned char dk_lazy_owner[] = {0, 0, 0, 0, 1};
void *dk_lazy_slots[5];
extern const std::size_t dk_lazy_library_count = 2;
extern const std::size_t dk_lazy_symbol_count = 5;

double dkt_mix(int, double, long, float, int, int, int, int, int, double);
int dkt_sum(int, ...);
struct dkt_block {
    long x[5];
};
dkt_block dkt_big(long);
double dkt_eight(double, double, double, double, double, double, double, double);
}

namespace {

TEST(LazyStubs, FirstCallsKeepEveryArgumentAndResult) {
    EXPECT_EQ(dcmkit::lazy::loaded_count(), 0u);
    std::atomic<int> ready{0}, wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < 6) std::this_thread::yield();
            for (int round = 0; round < 2; ++round) {  // the first call (through the loader), then the slot
                switch ((t + round) % 4) {
                case 0: wrong += dkt_mix(1, 2.5, 3, 4.25f, 5, 6, 7, 8, 9, 10.5) != 56.25; break;
                case 1: wrong += dkt_sum(5, 1, 2, 3, 4, 100 + t) != 110 + t; break;
                case 2: {
                    const dkt_block b = dkt_big(100 + t);
                    for (int k = 0; k < 5; ++k) wrong += b.x[k] != 100 + t + k;
                    break;
                }
                default: wrong += dkt_eight(8, 1, 7, 2, 6, 3, 5, 4) != 16; break;
                }
            }
        });
    for (auto &th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(dcmkit::lazy::loaded_count(), 1u);
    EXPECT_EQ(dkt_mix(-1, 0.5, -3, 0.25f, 0, 0, 0, 0, 1, 0.25), -2.0);
}

TEST(LazyStubs, RequireNamesTheLibraryAndWhatNeededIt) {
    EXPECT_NO_THROW(dcmkit::lazy::require("dkt", "the test"));
    EXPECT_TRUE(dcmkit::lazy::available("dkt"));
    try {
        dcmkit::lazy::require("dkt_missing", "Reading the moon");
        ADD_FAILURE() << "a library that is not there loaded";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.code(), dcmkit::Errc::unsupported);
        const std::string m = e.message();
        EXPECT_NE(m.find("Reading the moon needs /nonexistent/libdkt_missing.so.1"), std::string::npos) << m;
        EXPECT_NE(m.find("cannot load"), std::string::npos) << m;
    }
    EXPECT_FALSE(dcmkit::lazy::available("dkt_missing"));
    EXPECT_EQ(dcmkit::lazy::loaded_count(), 1u);
}

}  // namespace
