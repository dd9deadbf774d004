# The same signed-in user as users_me (sourced by run.sh).
# shellcheck source=bench/users_me.setup.sh
source bench/users_me.setup.sh
