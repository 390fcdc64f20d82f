#include "dcmkit/net/ae_config.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

namespace dcmkit::net {

namespace {
constexpr const char *kDicomApplicationContext = "1.2.840.10008.3.1.1.1";  // PS3.7 A.2.1
constexpr const char *kVerification = "1.2.840.10008.1.1";
constexpr size_t kMaxPresentationContexts = 128;  // odd IDs 1-255 (PS3.8 9.3.2.2)
}  // namespace

const std::vector<std::string> &uncompressed_transfer_syntaxes() {
    static const std::vector<std::string> kList = {uids::ExplicitVRLittleEndian, uids::ImplicitVRLittleEndian,
                                                   uids::DeflatedExplicitVRLittleEndian, uids::ExplicitVRBigEndian};
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
    add(kVerification, {uids::ExplicitVRLittleEndian, uids::ImplicitVRLittleEndian}, true, true);
    return *this;
}

const std::vector<std::string> &storable_transfer_syntaxes() {
    static const std::vector<std::string> kList = [] {
        std::vector<std::string> ts = uncompressed_transfer_syntaxes();
        // A storage SCP keeps what it receives, so every encapsulated syntax is acceptable as is.
        size_t n = 0;
        const UidEntry *u = uid_table(n);
        for (size_t i = 0; i < n; ++i)
            if ((u[i].flags & kTsIsTransferSyntax) && (u[i].flags & kTsEncapsulated) && !u[i].retired) ts.push_back(u[i].uid);
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
    static const std::vector<std::string> kList = [] {
        std::vector<std::string> v;
        for (const char *s : {"1", "1.1", "1.1.1", "1.2", "1.2.1", "1.3", "2", "2.1", "3.1", "4", "4.1", "6.1", "7",
                              "7.2", "7.3", "7.4", "9.1.1", "11.1", "12.1", "12.2", "20", "66", "66.4", "77.1.4",
                              "88.11", "88.22", "88.33", "88.59", "104.1", "128", "130", "481.1", "481.2", "481.3",
                              "481.5"})
            v.push_back(std::string("1.2.840.10008.5.1.4.1.1.") + s);
        return v;
    }();
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

Negotiation negotiate(const AeConfig &cfg, const AAssociateRq &rq) {
    Negotiation n;
    auto reject = [&](uint8_t result, uint8_t source, uint8_t reason, std::string why) {
        n.accepted = false;
        n.rj = AAssociateRj{result, source, reason};
        n.reason = std::move(why);
        return n;
    };
    // PS3.8 Table 9-21 reasons.
    if (!(rq.protocol_version & 1))
        return reject(1, 2, 2, "protocol version " + std::to_string(rq.protocol_version) + " not supported");
    if (rq.application_context != kDicomApplicationContext)
        return reject(1, 1, 2, "application context '" + rq.application_context + "' not supported");
    // PS3.8 7.1.1.13 and 9.3.2.2: each proposed context has an unused ID, odd, from 1 to 255, so a
    // request holds at most 128; one with more, or with an ID twice, is malformed. The other lists
    // are one item per SOP class of a context. Refused by the ACSE provider, permanently, before
    // any work that grows with them.
    if (rq.contexts.size() > kMaxPresentationContexts)
        return reject(1, 2, 1, std::to_string(rq.contexts.size()) + " presentation contexts proposed, more than the " +
                                   std::to_string(kMaxPresentationContexts) + " of PS3.8 9.3.2.2");
    {
        bool seen[256] = {};
        for (const PresentationContextRq &pc : rq.contexts) {
            if (seen[pc.id])
                return reject(1, 2, 1, "presentation context ID " + std::to_string(pc.id) + " proposed twice (PS3.8 7.1.1.13)");
            seen[pc.id] = true;
        }
    }
    if (rq.user.roles.size() > kMaxPresentationContexts || rq.user.extended.size() > kMaxPresentationContexts ||
        rq.user.common_extended.size() > kMaxPresentationContexts)
        return reject(1, 2, 1, "more SCP/SCU role selection or extended negotiation items than presentation contexts can use");
    if (cfg.check_called_ae && trim_ae(rq.called_ae) != trim_ae(cfg.ae_title))
        return reject(1, 1, 7, "called AE title '" + rq.called_ae + "' is not '" + cfg.ae_title + "'");
    if (!cfg.allowed_calling_aes.empty() &&
        std::none_of(cfg.allowed_calling_aes.begin(), cfg.allowed_calling_aes.end(),
                     [&](const std::string &ae) { return trim_ae(ae) == trim_ae(rq.calling_ae); }))
        return reject(1, 1, 3, "calling AE title '" + rq.calling_ae + "' is not allowed");

    AAssociateAc &ac = n.ac;
    ac.called_ae = rq.called_ae;
    ac.calling_ae = rq.calling_ae;
    ac.application_context = kDicomApplicationContext;
    ac.user.max_pdu_length = cfg.max_pdu_length;
    ac.user.implementation_class_uid = cfg.impl_class_uid();
    ac.user.implementation_version_name = cfg.impl_version_name();

    // User identity (PS3.7 D.3.3.7): optional for the acceptor unless it is configured to check.
    if (rq.user.user_identity_rq && !cfg.user_identity_types.empty()) {
        const UserIdentityRq &id = *rq.user.user_identity_rq;
        std::string response;
        const bool type_ok = std::find(cfg.user_identity_types.begin(), cfg.user_identity_types.end(), id.type) !=
                             cfg.user_identity_types.end();
        if (!type_ok || (cfg.user_identity_check && !cfg.user_identity_check(id, response)))
            return reject(1, 1, 1, "user identity not accepted");
        if (id.positive_response_requested) ac.user.user_identity_ac = response;
    }

    // Asynchronous operations window (PS3.7 D.3.3.3): reply with what both sides can do.
    if (rq.user.async_ops) {
        auto [invoked, performed] = *rq.user.async_ops;
        auto lim = [](uint16_t theirs, uint16_t ours) -> uint16_t {
            if (theirs == 0) return ours;  // 0 = unlimited on their side
            if (ours == 0) return theirs;
            return std::min(theirs, ours);
        };
        ac.user.async_ops = std::make_pair(lim(invoked, cfg.max_ops_performed), lim(performed, cfg.max_ops_invoked));
    }

    for (const PresentationContextRq &pc : rq.contexts) {
        PresentationContextAc r;
        r.id = pc.id;
        const SopClassSupport *s = cfg.find(pc.abstract_syntax);
        // Role selection for this SOP class (PS3.7 D.3.3.4); without it the requestor is the SCU.
        const RoleSelection *role = nullptr;
        for (const auto &rs : rq.user.roles)
            if (rs.sop_class_uid == pc.abstract_syntax) role = &rs;
        const bool requestor_scu = role ? role->scu : true;
        const bool requestor_scp = role ? role->scp : false;
        const bool accept_scu = requestor_scu && s && s->scp;  // they are SCU when we are SCP
        const bool accept_scp = requestor_scp && s && s->scu;
        if (!s) {
            r.result = PcResult::AbstractSyntaxNotSupported;
        } else if (!accept_scu && !accept_scp) {
            r.result = PcResult::UserRejection;  // no role both sides can take
        } else {
            r.result = PcResult::TransferSyntaxesNotSupported;
            for (const auto &ours : s->transfer_syntaxes) {
                if (std::find(pc.transfer_syntaxes.begin(), pc.transfer_syntaxes.end(), ours) != pc.transfer_syntaxes.end()) {
                    r.result = PcResult::Acceptance;
                    r.transfer_syntax = ours;
                    break;
                }
            }
        }
        if (r.result != PcResult::Acceptance && !pc.transfer_syntaxes.empty()) r.transfer_syntax = pc.transfer_syntaxes[0];
        ac.contexts.push_back(r);
    }

    // Replies for role selection and extended negotiation, once per SOP class (PS3.7 D.3.3.4-5).
    for (const auto &rs : rq.user.roles) {
        const SopClassSupport *s = cfg.find(rs.sop_class_uid);
        if (!s) continue;
        ac.user.roles.push_back(RoleSelection{rs.sop_class_uid, rs.scu && s->scp, rs.scp && s->scu});
    }
    for (const auto &ext : rq.user.extended) {
        const SopClassSupport *s = cfg.find(ext.sop_class_uid);
        if (!s || s->extended_negotiation.empty()) continue;
        ExtendedNegotiation reply{ext.sop_class_uid, {}};
        const size_t len = std::min(ext.info.size(), s->extended_negotiation.size());
        for (size_t i = 0; i < len; ++i) reply.info.push_back(uint8_t(ext.info[i] & s->extended_negotiation[i]));
        ac.user.extended.push_back(std::move(reply));
    }
    n.accepted = true;
    return n;
}

namespace {

/// Encapsulated syntaxes in the order their own contexts are worth one when not all fit: the ones
/// archives most often keep first (lossless JPEG 2000 and JPEG, then baseline JPEG…); the rest
/// (video, JPIP, JPEG XL…) share their class's context.
constexpr const char *kSplitOrder[] = {
    "1.2.840.10008.1.2.4.90",   // JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.70",   // JPEG Lossless SV1
    "1.2.840.10008.1.2.4.50",   // JPEG Baseline
    "1.2.840.10008.1.2.4.80",   // JPEG-LS Lossless
    "1.2.840.10008.1.2.5",      // RLE Lossless
    "1.2.840.10008.1.2.4.91",   // JPEG 2000
    "1.2.840.10008.1.2.4.51",   // JPEG Extended
    "1.2.840.10008.1.2.4.57",   // JPEG Lossless (Process 14)
    "1.2.840.10008.1.2.4.81",   // JPEG-LS Near-Lossless
    "1.2.840.10008.1.2.4.201",  // HTJ2K Lossless
    "1.2.840.10008.1.2.4.202",  // HTJ2K Lossless RPCL
    "1.2.840.10008.1.2.4.203",  // HTJ2K
};

/// Whether a SOP class's instances carry images an archive may keep compressed (its registry name
/// says "Image": CT Image Storage, Ultrasound Multi-frame Image Storage…; not SR, PDF, RT Plan).
bool image_class(const std::string &sop_class) {
    const UidEntry *u = uid_find(sop_class);
    return u && std::strstr(u->name, "Image") != nullptr;
}

}  // namespace

std::vector<PresentationContextRq> pack_contexts(const std::vector<SopClassSupport> &classes) {
    // PS3.8 9.3.2.2 allows 128 contexts (odd IDs 1-255). Best: one context per SOP class and syntax,
    // as storescu proposes them, so that the peer can accept each file's own syntax and nothing is
    // re-encoded needlessly.
    auto contexts_for = [&](bool split) {
        std::vector<PresentationContextRq> out;
        for (const auto &s : classes) {
            if (!s.scu && !s.scp) continue;
            std::vector<std::string> native;
            for (const auto &ts : s.transfer_syntaxes) {
                if (split || TransferSyntax::from_uid(ts).encapsulated) out.push_back({0, s.sop_class_uid, {ts}});
                else native.push_back(ts);
            }
            if (!native.empty()) out.push_back({0, s.sop_class_uid, native});
        }
        return out;
    };
    std::vector<PresentationContextRq> out = contexts_for(true);
    if (out.size() <= 128) return out;
    // Next: the uncompressed syntaxes of a class share one context.
    out = contexts_for(false);
    if (out.size() <= 128) return out;
    // Else each class gets one context with all its syntaxes (the acceptor picks one it holds), and
    // the contexts left go to single encapsulated syntaxes of image classes, the most kept syntaxes
    // first across every class, so that an acceptor holding, say, JPEG 2000 can send it as it is.
    std::vector<const SopClassSupport *> active;
    for (const auto &s : classes)
        if (s.scu || s.scp) active.push_back(&s);
    if (active.size() > 128)
        throw Error(Errc::invalid_argument, std::to_string(active.size()) +
                                                " SOP classes need a presentation context each, more than the 128 an association can carry");
    size_t budget = 128 - active.size();
    std::vector<std::vector<std::string>> split(active.size());
    for (const char *syntax : kSplitOrder)
        for (size_t c = 0; c < active.size() && budget; ++c) {
            const auto &ts = active[c]->transfer_syntaxes;
            if (!image_class(active[c]->sop_class_uid) || std::find(ts.begin(), ts.end(), syntax) == ts.end()) continue;
            split[c].push_back(syntax);
            --budget;
        }
    out.clear();
    for (size_t c = 0; c < active.size(); ++c) {
        // A class's single-syntax contexts come before its shared one: acceptors that send on the
        // first context they accepted for a class (DCMTK's) then use the one that needs no coding.
        for (const auto &ts : split[c]) out.push_back({0, active[c]->sop_class_uid, {ts}});
        out.push_back({0, active[c]->sop_class_uid, active[c]->transfer_syntaxes});
    }
    return out;
}

AAssociateRq make_request(const AeConfig &cfg, const std::string &called_ae) {
    AAssociateRq rq;
    rq.called_ae = trim_ae(called_ae);
    rq.calling_ae = trim_ae(cfg.ae_title);
    rq.application_context = kDicomApplicationContext;
    rq.user.max_pdu_length = cfg.max_pdu_length;
    rq.user.implementation_class_uid = cfg.impl_class_uid();
    rq.user.implementation_version_name = cfg.impl_version_name();
    if (cfg.max_ops_invoked != 1 || cfg.max_ops_performed != 1)
        rq.user.async_ops = std::make_pair(cfg.max_ops_invoked, cfg.max_ops_performed);
    rq.user.user_identity_rq = cfg.user_identity;
    rq.contexts = pack_contexts(cfg.sop_classes);
    for (size_t i = 0; i < rq.contexts.size(); ++i) rq.contexts[i].id = uint8_t(2 * i + 1);
    for (const auto &s : cfg.sop_classes) {
        if (!s.scu && !s.scp) continue;
        // PS3.7 D.3.3.4: without a role selection item the requestor is the SCU; propose one only
        // when this AE would (also) be the SCP, as for C-GET's storage sub-operations.
        if (s.scp) rq.user.roles.push_back(RoleSelection{s.sop_class_uid, s.scu, true});
        if (!s.extended_negotiation.empty())
            rq.user.extended.push_back(ExtendedNegotiation{s.sop_class_uid, s.extended_negotiation});
    }
    return rq;
}

}  // namespace dcmkit::net
