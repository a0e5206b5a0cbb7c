-- A key acts in its own project only, unless it was made organization-wide
-- on purpose (quarry keys create --organization-wide). A key stored without
-- a project could only ever act by naming one, so it keeps that power.
ALTER TABLE api_keys ADD COLUMN organization_wide boolean NOT NULL DEFAULT false;

UPDATE api_keys SET organization_wide = true WHERE project_id IS NULL;
