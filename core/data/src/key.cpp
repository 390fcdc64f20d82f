// dcmkit — query keys as DCMTK's findscu -k spells them ("PatientName=SMITH*",
// "0008,0052=STUDY", "ScheduledProcedureStepSequence[0].Modality=CT"), applied to a dataset.
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"

namespace dcmkit {

namespace {

[[noreturn]] void bad_key(std::string_view key, const std::string &why, Errc code = Errc::invalid_argument) {
    throw Error(code, "query key '" + std::string(key) + "': " + why);
}

bool is_int_vr(VR vr) { return vr == VR::US || vr == VR::SS || vr == VR::UL || vr == VR::SL || vr == VR::UV || vr == VR::SV; }

std::vector<std::string_view> split_backslash(std::string_view v) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    for (;;) {
        const size_t bs = v.find('\\', pos);
        out.push_back(v.substr(pos, bs == std::string_view::npos ? std::string_view::npos : bs - pos));
        if (bs == std::string_view::npos) return out;
        pos = bs + 1;
    }
}

void set_value(Dataset &ds, Tag tag, VR vr, std::string_view value, std::string_view key) {
    if (value.empty()) {
        ds.set(Element(tag, vr));
        return;
    }
    if (is_int_vr(vr)) {
        std::vector<int64_t> ints;
        for (std::string_view v : split_backslash(value)) {
            int64_t n = 0;
            const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
            if (r.ec != std::errc() || r.ptr != v.data() + v.size())
                bad_key(key, "'" + std::string(v) + "' is not an integer (" + vr_name(vr) + ")");
            ints.push_back(n);
        }
        ds.set_ints(tag, ints, vr);
    } else if (vr == VR::FL || vr == VR::FD) {
        std::vector<double> numbers;
        for (std::string_view v : split_backslash(value)) {
            const std::string text(v);
            char *end = nullptr;
            errno = 0;
            const double d = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
                bad_key(key, "'" + text + "' is not a number (" + vr_name(vr) + ")");
            numbers.push_back(d);
        }
        ds.set_numbers(tag, numbers, vr);
    } else if (vr == VR::OB || vr == VR::OW || vr == VR::OD || vr == VR::OF || vr == VR::OL || vr == VR::OV ||
               vr == VR::UN || vr == VR::AT) {
        bad_key(key, std::string("a value of VR ") + vr_name(vr) + " cannot be given as text (leave it empty for a return key)");
    } else {
        try {
            ds.set_string(tag, value, vr);
        } catch (const Error &e) {
            bad_key(key, e.message(), e.code());
        }
    }
}

}  // namespace

Tag set_key(Dataset &ds, std::string_view key) {
    const size_t eq = key.find('=');
    const std::string_view path = key.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : key.substr(eq + 1);
    if (path.empty()) bad_key(key, "no keyword or tag before '='");
    Dataset *cur = &ds;
    Tag top;
    size_t pos = 0;
    for (bool first = true;; first = false) {
        const size_t dot = path.find('.', pos);
        std::string_view part = path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        bool indexed = false;
        size_t index = 0;
        const size_t br = part.find('[');
        if (br != std::string_view::npos) {
            const std::string_view digits = part.substr(br + 1, part.size() - br - 2);
            const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), index);
            if (part.back() != ']' || digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size() ||
                index > 65535)
                bad_key(key, "'" + std::string(part) + "' is not Keyword[index]");
            indexed = true;
            part = part.substr(0, br);
        }
        if (part.size() >= 2 && part.front() == '(' && part.back() == ')') part = part.substr(1, part.size() - 2);
        Tag tag;
        try {
            tag = tag_from_keyword(part);
        } catch (const Error &) {
            bad_key(key, "'" + std::string(part) + "' is neither a keyword nor a tag (gggg,eeee)");
        }
        if (first) top = tag;
        const DictEntry *d = dict_find(tag);
        const VR vr = d && d->vr != VR::None ? d->vr : VR::LO;
        if (dot == std::string_view::npos && !indexed) {
            if (vr == VR::SQ) {
                if (!value.empty()) bad_key(key, "a sequence takes items (Sequence[0].Keyword=value), not a value");
                cur->set_sequence(tag);
            } else {
                set_value(*cur, tag, vr, value, key);
            }
            return top;
        }
        // A step into item `index` of a sequence, made as needed.
        if (vr != VR::SQ) bad_key(key, "'" + std::string(part) + "' is not a sequence");
        Element *e = cur->find(tag);
        if (!e || !e->is_sequence()) e = &cur->set_sequence(tag);
        while (e->items.size() <= index) e->items.emplace_back();
        cur = &e->items[index];
        if (dot == std::string_view::npos) {
            if (!value.empty()) bad_key(key, "an item takes keys (Sequence[0].Keyword=value), not a value");
            return top;  // "Sequence[0]" alone: an empty item
        }
        pos = dot + 1;
    }
}

}  // namespace dcmkit
