// The Python extension's dataset handle, shared by its translation units (module.cpp defines the
// class, net.cpp stores datasets). In a named namespace: pybind11 identifies bound types by typeid.
#ifndef DCMKIT_BINDINGS_PYTHON_PYDATASET_HPP
#define DCMKIT_BINDINGS_PYTHON_PYDATASET_HPP

#include <memory>
#include <mutex>
#include <utility>

#include "dcmkit/dcmkit.hpp"

namespace dkpy {

/// A dk::Dataset and the mutex of its top-level dataset (shared with its item handles).
struct PyDataset {
    dk::Dataset ds;
    std::shared_ptr<std::mutex> mu;

    PyDataset() : mu(std::make_shared<std::mutex>()) {}
    explicit PyDataset(dk::Dataset d) : ds(std::move(d)), mu(std::make_shared<std::mutex>()) {}
    PyDataset(dk::Dataset d, std::shared_ptr<std::mutex> m) : ds(std::move(d)), mu(std::move(m)) {}
};

}  // namespace dkpy

#endif  // DCMKIT_BINDINGS_PYTHON_PYDATASET_HPP
