// Changing a project's configuration: PATCH /internal/projects/current with
// the keys that changed.
import * as api from './api.js';
import { toast } from './dom.js';

export async function saveConfig(ctx, config) {
  const project = await api.admin(ctx.projectId, 'PATCH', '/internal/projects/current', { body: { config } });
  ctx.project = project;
  toast('Saved');
  return project;
}

// A switch that saves one config key when it changes (and flips back when
// the server refuses).
export function configToggleHandler(ctx, key) {
  return async (event) => {
    const box = event.target;
    const value = box.checked;
    box.disabled = true;
    try {
      await saveConfig(ctx, { [key]: value });
    } catch (e) {
      box.checked = !value;
      toast(e.message, true);
    } finally {
      box.disabled = false;
    }
  };
}
