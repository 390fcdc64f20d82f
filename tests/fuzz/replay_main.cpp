// Runs a fuzz target over files or folders given on the command line (no libFuzzer needed), so
// that seeds and past crashers are replayed in every build, sanitized or not.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        return 1;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return 0;
}

int main(int argc, char **argv) {
    int runs = 0, rc = 0;
    for (int i = 1; i < argc; ++i) {
        struct stat st {};
        if (::stat(argv[i], &st) != 0) {
            std::fprintf(stderr, "no such file %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = ::opendir(argv[i]);
            while (dirent *e = d ? ::readdir(d) : nullptr) {
                if (e->d_name[0] == '.') continue;
                rc |= run_file(std::string(argv[i]) + "/" + e->d_name);
                ++runs;
            }
            if (d) ::closedir(d);
        } else {
            rc |= run_file(argv[i]);
            ++runs;
        }
    }
    std::printf("replayed %d inputs\n", runs);
    return rc;
}
