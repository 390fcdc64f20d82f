// dcmkit C++ wrapper: the network (dk_net.h) — the Application Entity, associations as SCU, servers
// and Storage Commitment. Each part has its header (ae.hpp, association.hpp, server.hpp, commit.hpp);
// this one includes them all.
#ifndef DCMKIT_NET_HPP
#define DCMKIT_NET_HPP

#include "dcmkit/ae.hpp"
#include "dcmkit/association.hpp"
#include "dcmkit/commit.hpp"
#include "dcmkit/server.hpp"

#endif  // DCMKIT_NET_HPP
