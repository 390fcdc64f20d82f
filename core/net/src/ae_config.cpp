#include "dcmkit/net/ae_config.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

namespace dcmkit::net {

const std::vector<std::string> &uncompressed_transfer_syntaxes() {
    // Deflated only with zlib (DCMKIT_WITH_ZLIB): a build without it cannot read or write it.
    static const std::vector<std::string> kList = {uids::ExplicitVRLittleEndian, uids::ImplicitVRLittleEndian,
#ifdef DCMKIT_HAVE_ZLIB
                                                   uids::DeflatedExplicitVRLittleEndian,
#endif
                                                   uids::ExplicitVRBigEndian};
    return kList;
}

std::vector<std::string> storage_sop_classes() {
    size_t n = 0;
    const char *const *t = storage_sop_class_table(n);
    return std::vector<std::string>(t, t + n);
}

SopClassSupport &AeConfig::add(const std::string &uid, std::vector<std::string> ts, bool scp, bool scu) {
    if (ts.empty()) ts = uncompressed_transfer_syntaxes();
    for (auto &s : sop_classes) {
        if (s.sop_class_uid != uid) continue;
        for (auto &t : ts)
            if (std::find(s.transfer_syntaxes.begin(), s.transfer_syntaxes.end(), t) == s.transfer_syntaxes.end())
                s.transfer_syntaxes.push_back(t);
        s.scp = s.scp || scp;
        s.scu = s.scu || scu;
        return s;
    }
    SopClassSupport s;
    s.sop_class_uid = uid;
    s.transfer_syntaxes = std::move(ts);
    s.scp = scp;
    s.scu = scu;
    sop_classes.push_back(std::move(s));
    return sop_classes.back();
}

AeConfig &AeConfig::add_verification() {
    add(uids::Verification, {uids::ExplicitVRLittleEndian, uids::ImplicitVRLittleEndian}, true, true);
    return *this;
}

const std::vector<std::string> &storable_transfer_syntaxes() {
    static const std::vector<std::string> kList = [] {
        std::vector<std::string> ts = uncompressed_transfer_syntaxes();
        // A storage SCP keeps what it receives, so every encapsulated syntax is acceptable as is.
        size_t n = 0;
        const UidEntry *u = uid_table(n);
        for (size_t i = 0; i < n; ++i)
            if ((u[i].flags & kTsIsTransferSyntax) && (u[i].flags & kTsEncapsulated) && !u[i].retired) ts.push_back(u[i].uid());
        return ts;
    }();
    return kList;
}

AeConfig &AeConfig::add_all_storage(std::vector<std::string> ts, bool scp, bool scu) {
    if (ts.empty()) ts = storable_transfer_syntaxes();
    for (const auto &uid : storage_sop_classes()) add(uid, ts, scp, scu);
    return *this;
}

const std::vector<std::string> &common_storage_sop_classes() {
    static const std::vector<std::string> kList(uids::kCommonStorage, uids::kCommonStorage + uids::kCommonStorageCount);
    return kList;
}

AeConfig &AeConfig::add_get_storage(std::vector<std::string> ts, std::vector<std::string> classes, bool as_get_scu) {
    if (classes.empty()) classes = common_storage_sop_classes();
    // As the C-GET SCU we keep what arrives, so every syntax is offered: an archive holding JPEG 2000
    // then never has to decode it for us (callers that want pixels native pass the uncompressed ones).
    if (ts.empty() && as_get_scu) ts = storable_transfer_syntaxes();
    // PS3.7 D.3.3.4: the C-GET SCU is the SCP of the C-STORE sub-operations (and proposes that role
    // with a role selection item, which make_request() adds for classes with `scp`); the C-GET SCP
    // is their SCU, and accepts the requestor's SCP role only for classes with `scu`.
    for (const auto &uid : classes) add(uid, ts, as_get_scu, !as_get_scu);
    return *this;
}

const SopClassSupport *AeConfig::find(const std::string &uid) const {
    for (const auto &s : sop_classes)
        if (s.sop_class_uid == uid) return &s;
    return nullptr;
}

const char *log_level_name(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::error: return "E";
    case LogLevel::warning: return "W";
    case LogLevel::info: return "I";
    case LogLevel::debug: return "D";
    case LogLevel::trace: return "T";
    }
    return "?";
}

void AeConfig::emit(LogLevel level, const std::string &message) const {
    if (!logs(level)) return;
    if (log) {
        log(level, message);
        return;
    }
    static std::mutex m;  // whole lines, even from concurrent associations
    std::lock_guard<std::mutex> lock(m);
    std::fprintf(stderr, "%s: %s\n", log_level_name(level), message.c_str());
}

std::string AeConfig::impl_class_uid() const {
    return implementation_class_uid.empty() ? kImplementationClassUID : implementation_class_uid;
}
std::string AeConfig::impl_version_name() const {
    return implementation_version_name.empty() ? kImplementationVersionName : implementation_version_name;
}

}  // namespace dcmkit::net
