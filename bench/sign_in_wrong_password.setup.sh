# Same user as sign_in (sourced by run.sh).
source bench/sign_in.setup.sh
