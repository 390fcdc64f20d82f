// HTJ2K decoding speed: the same codestream decoded by our native decoder (the HTJ2K codec), by
// the OpenJPEG path (the JPEG 2000 codec, which reads Part 15 codestreams) and by OpenJPH's
// in-process decoder (used here only, on a valid codestream we made: it is not safe on hostile
// input). Prints each one's time per frame (wall and process CPU; OpenJPEG may use several
// threads) and the ratios.
//
//   build/bench/htj2k_bench [FILE.dcm] [benchmark flags]
// FILE: an HTJ2K-encoded DICOM file (its first frame is decoded), e.g. a CT from bench_make_corpus
// transcoded with `dcmkit transcode IN OUT --ts htj2k-lossless`. Without one, a synthetic 512x512
// 12-bit CT-like frame is encoded with our HTJ2K encoder.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_params.h>
#pragma GCC diagnostic pop

#include "dcmkit/codec.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"

using namespace dcmkit;

namespace {

constexpr const char *kHtj2kLossless = "1.2.840.10008.1.2.4.201";
constexpr const char *kJ2kLossless = "1.2.840.10008.1.2.4.90";

struct Input {
    PixelInfo info;
    std::vector<uint8_t> cs;
    std::string what;
};

Input synthetic() {
    Input in;
    in.info.rows = in.info.columns = 512;
    in.info.bits_allocated = 16;
    in.info.bits_stored = 12;
    in.info.high_bit = 11;
    in.info.photometric_interpretation = "MONOCHROME2";
    std::vector<uint8_t> frame(in.info.frame_bytes());
    std::mt19937 rng(7);
    for (uint32_t y = 0; y < 512; ++y)
        for (uint32_t x = 0; x < 512; ++x) {
            const double r = std::hypot(double(x) - 256, double(y) - 256);
            double v = r < 200 ? 1000 + 300 * std::sin(double(x) / 17.0) * std::cos(double(y) / 23.0) : 24;
            if (r < 60) v += 900;
            v += double(rng() % 41) - 20;
            const uint16_t s = uint16_t(std::clamp(v, 0.0, 4095.0));
            std::memcpy(&frame[(size_t(y) * 512 + x) * 2], &s, 2);
        }
    FrameLayout layout;
    in.cs = find_codec(kHtj2kLossless)->encode(in.info, frame.data(), frame.size(), {}, layout);
    in.what = "synthetic 512x512 12-bit CT-like frame";
    return in;
}

Input from_file(const std::string &path) {
    Input in;
    const DicomFile f = read_file(path);
    in.info = PixelInfo::from(f.dataset);
    const Bytes b = frame_bytes(f.dataset, 0);
    in.cs.assign(b.data(), b.data() + b.size());
    in.what = path + " (" + std::to_string(in.info.columns) + "x" + std::to_string(in.info.rows) + ", " +
              std::to_string(in.info.bits_stored) + "-bit)";
    return in;
}

Input g_in;

void decode_with(benchmark::State &state, const char *uid) {
    const Codec *c = find_codec(uid);
    std::vector<uint8_t> out(g_in.info.frame_bytes());
    for (auto _ : state) {
        c->decode(g_in.info, g_in.cs.data(), g_in.cs.size(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
}

void native(benchmark::State &state) { decode_with(state, kHtj2kLossless); }
void openjpeg(benchmark::State &state) { decode_with(state, kJ2kLossless); }

void openjph(benchmark::State &state) {
    std::vector<int32_t> out(size_t(g_in.info.rows) * g_in.info.columns * g_in.info.samples_per_pixel);
    for (auto _ : state) {
        ojph::mem_infile file;
        file.open(g_in.cs.data(), g_in.cs.size());
        ojph::codestream cs;
        cs.read_headers(&file);
        cs.create();
        const size_t w = g_in.info.columns, spp = g_in.info.samples_per_pixel;
        for (size_t y = 0; y < g_in.info.rows; ++y)
            for (size_t c = 0; c < spp; ++c) {
                ojph::ui32 comp = 0;
                ojph::line_buf *line = cs.pull(comp);
                for (size_t x = 0; x < w; ++x) out[(y * w + x) * spp + comp] = line->i32[x];
            }
        cs.close();
        benchmark::DoNotOptimize(out.data());
    }
}

/// Keeps each run's time per iteration, for the ratios printed at the end.
class Reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &runs) override {
        for (const Run &r : runs)
            if (r.run_type == Run::RT_Iteration) {
                const std::string name = r.benchmark_name().substr(0, r.benchmark_name().find('/'));
                wall[name] = r.GetAdjustedRealTime();
                cpu[name] = r.GetAdjustedCPUTime();
            }
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, double> wall, cpu;  // in the runs' time unit (ms)
};

}  // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    g_in = argc > 1 ? from_file(argv[1]) : synthetic();
    {
        // Same samples from all three, or the comparison means nothing.
        std::vector<uint8_t> a(g_in.info.frame_bytes()), b(a.size());
        find_codec(kHtj2kLossless)->decode(g_in.info, g_in.cs.data(), g_in.cs.size(), a.data(), a.size());
        find_codec(kJ2kLossless)->decode(g_in.info, g_in.cs.data(), g_in.cs.size(), b.data(), b.size());
        // Lossless: the same bytes; 9/7: within the rounding of two float implementations.
        int worst = 0;
        const size_t step = g_in.info.bits_allocated / 8;
        for (size_t i = 0; i + step <= a.size(); i += step) {
            const int x = step == 1 ? a[i] : a[i] | a[i + 1] << 8, y = step == 1 ? b[i] : b[i] | b[i + 1] << 8;
            worst = std::max(worst, std::abs(x - y));
        }
        if (worst > 4) {
            std::fprintf(stderr, "the native decoder and OpenJPEG disagree on %s (by %d)\n", g_in.what.c_str(), worst);
            return 1;
        }
    }
    std::printf("HTJ2K decode of %s, %zu bytes\n", g_in.what.c_str(), g_in.cs.size());
    benchmark::RegisterBenchmark("native", native)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
    benchmark::RegisterBenchmark("openjph", openjph)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
    benchmark::RegisterBenchmark("openjpeg", openjpeg)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
    Reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    const auto &w = reporter.wall, &c = reporter.cpu;
    if (w.count("native") && w.count("openjph") && w.count("openjpeg")) {
        std::printf("ms per frame (wall / process CPU): native %.3f / %.3f, OpenJPH %.3f / %.3f, OpenJPEG %.3f / %.3f\n",
                    w.at("native"), c.at("native"), w.at("openjph"), c.at("openjph"), w.at("openjpeg"), c.at("openjpeg"));
        std::printf("native speed-up, wall: x%.2f vs OpenJPH, x%.2f vs OpenJPEG; CPU: x%.2f vs OpenJPH, x%.2f vs OpenJPEG\n",
                    w.at("openjph") / w.at("native"), w.at("openjpeg") / w.at("native"), c.at("openjph") / c.at("native"),
                    c.at("openjpeg") / c.at("native"));
    }
    benchmark::Shutdown();
    return 0;
}
