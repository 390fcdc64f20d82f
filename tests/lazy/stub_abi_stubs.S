/* The stubs of stub_abi_lib.c's functions, as cmake/lazy_load.cmake writes them for a library. */
#include "lazy_stub.h"
DK_LAZY_STUB(dkt_mix, 0)
DK_LAZY_STUB(dkt_sum, 1)
DK_LAZY_STUB(dkt_big, 2)
DK_LAZY_STUB(dkt_eight, 3)
DK_LAZY_STUB(dkt_missing, 4)
