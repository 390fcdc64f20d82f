/* dcmkit — the umbrella header of the stable C ABI. */
#ifndef DCMKIT_DCMKIT_H
#define DCMKIT_DCMKIT_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_uids.h"
#include "dcmkit/dk_dataset.h"
#include "dcmkit/dk_dictionary.h"
#include "dcmkit/dk_pixel.h"
#include "dcmkit/dk_net.h"
#include "dcmkit/dk_archive.h"
#include "dcmkit/dk_dicomdir.h"
#include "dcmkit/dk_deid.h"
#include "dcmkit/dk_media.h"
#include "dcmkit/dk_web.h"
#include "dcmkit/dk_hl7.h"

#endif /* DCMKIT_DCMKIT_H */
