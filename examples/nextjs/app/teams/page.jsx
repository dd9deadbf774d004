// Teams: the server reads the selected team; the client switches teams and
// creates them (the project must allow client team creation, see README).
import { redirect } from "next/navigation";

import { stackServerApp } from "../../stack/server";
import TeamControls from "./team-controls";

export default async function Teams() {
  const user = await stackServerApp.getUser();
  if (!user) redirect(`${stackServerApp.urls.signIn}?after_auth_return_to=%2Fteams`);
  const teams = await user.listTeams();
  return (
    <>
      <h1>Teams</h1>
      <p data-testid="server-selected-team">
        Selected team (server): {user.selectedTeam ? user.selectedTeam.displayName : "none"}
      </p>
      <p data-testid="server-team-count">Your teams (server): {teams.length}</p>
      <TeamControls />
    </>
  );
}
