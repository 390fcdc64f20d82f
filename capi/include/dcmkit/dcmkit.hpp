// dcmkit — a header-only C++17 wrapper over the stable C ABI (dcmkit.h): the umbrella header.
#ifndef DCMKIT_DCMKIT_HPP
#define DCMKIT_DCMKIT_HPP

#include "dcmkit/dataset.hpp"

#endif  // DCMKIT_DCMKIT_HPP
