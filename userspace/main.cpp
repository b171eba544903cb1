#include "cli/options.h"

int main(int argc, char** argv) { return egresswatch::cli_main(argc, argv); }
