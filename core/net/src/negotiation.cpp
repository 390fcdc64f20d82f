// dcmkit — association negotiation (PS3.8 9.3.2, 9.3.3; PS3.7 D.3.3): the acceptor's answer to an
// A-ASSOCIATE-RQ from its AeConfig, and the requestor's A-ASSOCIATE-RQ with its presentation
// contexts packed into the 128 the protocol allows. The AeConfig builders are in ae_config.cpp.
#include <algorithm>
#include <cstring>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/net/ae_config.h"

namespace dcmkit::net {

namespace {
constexpr const char *kDicomApplicationContext = uids::DICOMApplicationContext;  // PS3.7 A.2.1
constexpr size_t kMaxPresentationContexts = 128;  // odd IDs 1-255 (PS3.8 9.3.2.2)
}  // namespace

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
    if (!rq.user.user_identity_rq && cfg.user_identity_required)
        return reject(1, 1, 1, "a user identity is required and '" + rq.calling_ae + "' sent none");
    if (rq.user.user_identity_rq && !cfg.user_identity_types.empty()) {
        const UserIdentityRq &id = *rq.user.user_identity_rq;
        std::string response;
        const bool type_ok = std::find(cfg.user_identity_types.begin(), cfg.user_identity_types.end(), id.type) !=
                             cfg.user_identity_types.end();
        if (!type_ok || (cfg.user_identity_check && !cfg.user_identity_check(id, response)))
            return reject(1, 1, 1, "user identity (type " + std::to_string(id.type) + ") of '" + rq.calling_ae +
                                       "' not accepted");
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
    uids::JPEG2000Lossless,  uids::JPEGLosslessSV1,    uids::JPEGBaseline8Bit, uids::JPEGLSLossless,
    uids::RLELossless,       uids::JPEG2000,           uids::JPEGExtended12Bit, uids::JPEGLossless,
    uids::JPEGLSNearLossless, uids::HTJ2KLossless,     uids::HTJ2KLosslessRPCL, uids::HTJ2K,
};

/// Whether a SOP class's instances carry images an archive may keep compressed (its registry name
/// says "Image": CT Image Storage, Ultrasound Multi-frame Image Storage…; not SR, PDF, RT Plan).
bool image_class(const std::string &sop_class) {
    const UidEntry *u = uid_find(sop_class);
    return u && std::strstr(u->name(), "Image") != nullptr;
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
