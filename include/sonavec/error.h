// Errors and log messages, as every face of sonavec (the CLI, a server, Python) sees them.
//
//   try { lib.index(...); }
//   catch (const sonavec::error& e) {
//       switch (e.kind()) { case sonavec::error_kind::invalid_input: ... }   // exit code, HTTP status, exception
//   }
//   sonavec::set_log_callback([](sonavec::log_level, const std::string& line) { my_log(line); });
//
// Every error the library throws is a sonavec::error carrying its kind; its message names the file and
// the reason and is meant for a person. The library never prints: what it has to say outside an error
// (a note that an index could not be saved, a warning about the text cache) goes to the log callback,
// whose default writes "sonavec: LEVEL: MESSAGE" lines to stderr.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace sonavec {

enum class error_kind {
    invalid_input,  // a bad parameter or argument (the caller can fix the call): CLI usage, HTTP 400
    not_found,      // a file, folder, track, library or model that does not exist: HTTP 404
    corrupt_file,   // outside data that is damaged or not what it claims (audio, model, catalog, JSON): HTTP 422
    io,             // reading or writing failed (permission, disk full, a device error): HTTP 500
    unsupported,    // valid but not handled (a codec, a format version, an architecture): HTTP 415/501
    busy,           // another process holds the library for writing: HTTP 409
    cancelled,      // the caller's cancel flag stopped the work
};

// "invalid input", "not found", "corrupt file", "I/O", "unsupported", "busy", "cancelled".
const char* error_kind_name(error_kind kind);

class error : public std::runtime_error {
public:
    error(error_kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    error_kind kind() const { return kind_; }

private:
    error_kind kind_;
};

// An error whose message is several lines (instructions, a list of URLs): its outside parts (paths,
// names, server text) are escaped for a terminal where it is made (sonavec/text_output.h), so a face
// may print it as it is. Every other message is escaped whole by whoever prints it.
class multiline_error : public error {
public:
    using error::error;
};

enum class log_level { note, warning };

// Called from whichever thread logs, one complete message per call, never concurrently (calls are
// serialised). Replaces the previous callback for the whole process; an empty function restores the
// default (stderr).
using log_callback = std::function<void(log_level level, const std::string& message)>;
void set_log_callback(log_callback callback);

// What the library itself calls; exposed so that the faces log through the same channel.
void log_message(log_level level, const std::string& message);

}  // namespace sonavec
