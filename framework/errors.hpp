#pragma once
// The exceptions Strata raises. Every one derives from strata::Error, and messages are worded like
// Keras's: which op or layer, what was expected, what was received.
#include <stdexcept>
#include <string>

namespace strata {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad argument value (Python's ValueError).
class ValueError : public Error {
 public:
  using Error::Error;
};

// Operand shapes that do not fit together (a kind of ValueError, as in Keras).
class ShapeError : public ValueError {
 public:
  using ValueError::ValueError;
};

// Operand dtypes that do not fit together, or a dtype an op does not support.
class DTypeError : public ValueError {
 public:
  using ValueError::ValueError;
};

// A device that is missing, not registered, or mixed with another one in one op.
class DeviceError : public Error {
 public:
  using Error::Error;
};

// Reading or writing a file failed.
class IOError : public Error {
 public:
  using Error::Error;
};

// A feature a class does not provide (e.g. a layer without call()).
class NotImplementedError : public Error {
 public:
  using Error::Error;
};

// Something a traced function (st::function) cannot do: reading a value to the host while tracing,
// a tensor used outside the trace that made it, a variable created on a second trace, inputs that do
// not fit the function's input signature.
class TraceError : public Error {
 public:
  using Error::Error;
};

}  // namespace strata
