"use client";
import { SelectedTeamSwitcher, useUser } from "@stackframe/stack";
import { useRouter } from "next/navigation";
import { useState } from "react";

export default function TeamControls() {
  const user = useUser({ or: "redirect" });
  const router = useRouter();
  const teams = user.useTeams();
  const [name, setName] = useState("");

  async function createTeam(event) {
    event.preventDefault();
    const team = await user.createTeam({ displayName: name });
    await user.setSelectedTeam(team);
    setName("");
    router.refresh(); // the server component reads the team again
  }

  return (
    <>
      <p data-testid="client-selected-team">
        Selected team (client): {user.selectedTeam ? user.selectedTeam.displayName : "none"}
      </p>
      {teams.length > 0 ? (
        <SelectedTeamSwitcher onChange={() => router.refresh()} />
      ) : null}
      <form onSubmit={createTeam}>
        <input
          aria-label="Team name"
          placeholder="Team name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <button type="submit">Create team</button>
      </form>
    </>
  );
}
