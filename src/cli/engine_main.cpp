#include "cli/commands.hpp"

int main(int argc, char** argv) { return forge::run_engine(argc, argv); }
