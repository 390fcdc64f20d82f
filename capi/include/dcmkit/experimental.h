/* dcmkit — experimental C calls, outside the ABI promise.
 *
 * The calls here may change or go in any release, even a patch release: their symbols carry the
 * version node DCMKIT_EXPERIMENTAL (not DCMKIT_1), the ABI baseline (capi/abi/libdcmkit.abi) leaves
 * them out, and an application built against one fails to load, rather than misbehave, when the call
 * changed. A call leaves this header for a stable dk_*.h header, with a DCMKIT_1 symbol, once its shape
 * has held through a release. Define DK_EXPERIMENTAL before including this header to say you accept that. */
#ifndef DCMKIT_EXPERIMENTAL_H
#define DCMKIT_EXPERIMENTAL_H

#ifndef DK_EXPERIMENTAL
#error "dcmkit/experimental.h holds calls outside the ABI promise: define DK_EXPERIMENTAL before including it"
#endif

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"
#include "dcmkit/dk_net.h"

#ifdef __cplusplus
extern "C" {
#endif

/** From an on_move or on_get callback: adds an instance held in memory to the retrieval, sent after
 *  the files added with dk_retrieve_plan_add_file, in its own transfer syntax when the peer accepted
 *  it, else converted as a file would be (decompressed, or losslessly compressed; never lossy).
 *
 *  @param plan  the plan the callback received; DK_EINVAL once the callback has returned
 *  @param ds    a top-level dataset (DK_EINVAL for an item handle) holding SOP Class UID and SOP
 *               Instance UID; it is copied, so the caller may change or free it at once
 *  @return DK_OK; DK_EINVAL when `plan` or `ds` is NULL, for an item handle, or after the callback
 *          returned; DK_EUNSUPPORTED when the dataset's pixel data is not in the transfer syntax it
 *          would be sent in (compressed pixel data whose syntax the dataset does not record, or
 *          native pixel data in a dataset whose default syntax is a compressed one: see
 *          dk_dataset_transcode). The UIDs are not checked here: an instance without them counts as
 *          a failed sub-operation when it is sent */

DK_EXTERN(dk_result) dk_retrieve_plan_add_dataset(dk_retrieve_plan *plan, const dk_dataset *ds);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_EXPERIMENTAL_H */
