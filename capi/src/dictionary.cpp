// dcmkit C ABI — the PS3.6 data dictionary, the UID registry, UID generation.
#include "dcmkit/dictionary.h"

#include <cstring>

#include "dcmkit/uid.h"
#include "dcmkit/dk_dictionary.h"
#include "internal.h"

using dcmkit::Tag;
using dk::fail;
using dk::need;

namespace {

/// The dictionary entry of a tag with a keyword, or DK_ENOTFOUND.
const dcmkit::DictEntry &known_tag(uint32_t tag) {
    const dcmkit::DictEntry *e = dcmkit::dict_find(Tag(tag));
    if (!e || !*e->keyword())
        fail(DK_ENOTFOUND, Tag(tag).str() + " is not in the data dictionary (a private or unknown tag)");
    return *e;
}

constexpr size_t kUidBufferSize = 65;  // 64 characters (PS3.5 9.1) and a NUL

}  // namespace

extern "C" {

dk_result dk_tag_from_keyword(uint32_t *tag, const char *keyword) {
    return dk::guard([&] {
        need(keyword, "keyword");
        need(tag, "tag");
        *tag = dcmkit::tag_from_keyword(keyword).value;
    });
}

dk_result dk_tag_keyword(const char **keyword, uint32_t tag) {
    return dk::guard([&] {
        need(keyword, "keyword");
        *keyword = "";
        *keyword = known_tag(tag).keyword();
    });
}

dk_result dk_tag_name(const char **name, uint32_t tag) {
    return dk::guard([&] {
        need(name, "name");
        *name = "";
        *name = known_tag(tag).name();
    });
}

dk_result dk_tag_vr(char vr[3], uint32_t tag) {
    return dk::guard([&] { dk::copy_vr(dcmkit::dict_vr(Tag(tag)), need(vr, "vr")); });
}

dk_result dk_private_tag_lookup(char vr[3], const char **keyword, const char **name, const char *creator,
                                uint32_t tag) {
    return dk::guard([&] {
        need(creator, "creator");
        if (vr) dk::copy_vr(dcmkit::VR::UN, vr);
        if (keyword) *keyword = "";
        if (name) *name = "";
        const dcmkit::PrivateDictEntry *e = dcmkit::private_dict_find(creator, Tag(tag));
        if (!e)
            fail(DK_ENOTFOUND, Tag(tag).str() + " of private creator '" + creator + "' is not in the private dictionary");
        if (vr) dk::copy_vr(e->vr, vr);
        if (keyword) *keyword = e->keyword();
        if (name) *name = e->name();
    });
}

dk_result dk_uid_lookup(const char **name, const char **keyword, const char **type, const char *uid) {
    return dk::guard([&] {
        need(uid, "uid");
        if (name) *name = "";
        if (keyword) *keyword = "";
        if (type) *type = "";
        const dcmkit::UidEntry *e = dcmkit::uid_find(uid);
        if (!e) fail(DK_ENOTFOUND, "'" + std::string(uid).substr(0, 80) + "' is not in the UID registry");
        if (name) *name = e->name();
        if (keyword) *keyword = e->keyword();
        if (type) *type = e->type();
    });
}

dk_result dk_uid_generate(char *buf, size_t size) {
    return dk::guard([&] {
        need(buf, "buf");
        if (size < kUidBufferSize)
            fail(DK_EBUFS, "a buffer of " + std::to_string(size) + " bytes is too small: UIDs need " +
                               std::to_string(kUidBufferSize));
        const std::string uid = dcmkit::generate_uid();
        std::memcpy(buf, uid.c_str(), uid.size() + 1);
    });
}

int32_t dk_uid_is_valid(const char *uid) {
    int valid = 0;
    dk::guard([&] { valid = dcmkit::is_valid_uid(need(uid, "uid")) ? 1 : 0; });
    return valid;
}

dk_result dk_transfer_syntax_flags(uint32_t *flags, const char *transfer_syntax) {
    return dk::guard([&] {
        need(flags, "flags");
        *flags = 0;
        const std::string name = need(transfer_syntax, "transfer_syntax");
        // A UID the registry does not know is still a transfer syntax (PS3.5 10.1); names are not.
        const dcmkit::TransferSyntax ts = dcmkit::is_valid_uid(name) ? dcmkit::TransferSyntax::from_uid(name)
                                                                    : dcmkit::TransferSyntax::parse(name);
        *flags = (ts.explicit_vr ? DK_TS_EXPLICIT_VR : 0u) | (ts.big_endian ? DK_TS_BIG_ENDIAN : 0u) |
                 (ts.deflated ? DK_TS_DEFLATED : 0u) | (ts.encapsulated ? DK_TS_ENCAPSULATED : 0u) |
                 (ts.lossy ? DK_TS_LOSSY : 0u) | (ts.retired ? DK_TS_RETIRED : 0u) | (ts.known ? DK_TS_KNOWN : 0u);
    });
}

}  // extern "C"
