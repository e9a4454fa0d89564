// The libzmq C API, for the ZeroMQ target only (STYLE.md practice 2).
#ifndef BOXBRIDGE_CZEROMQ_SHIM_H
#define BOXBRIDGE_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
