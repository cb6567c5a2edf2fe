/** Find a member as you type (login, name or phone), asked of the hub; shows each one's balance. */
import { Autocomplete, Box, TextField, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { useTranslation } from "react-i18next";

import { money } from "../../api/money";
import { useFormat } from "../../app/branch";
import type { ChosenMember } from "./method";
import "../pos/messages";

interface Props {
  value: ChosenMember | null;
  onChange: (member: ChosenMember | null) => void;
  error?: string | null;
}

export function MemberPicker({ value, onChange, error }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const [text, setText] = useState("");
  const typed = useDeferredValue(text.trim());
  const found = useQuery({
    queryKey: ["members", "find", typed],
    queryFn: () => money.findMembers(typed),
    enabled: typed.length >= 1,
    staleTime: 10_000,
  });
  return (
    <Autocomplete<ChosenMember>
      value={value}
      onChange={(_event, member) => onChange(member)}
      inputValue={text}
      onInputChange={(_event, next) => setText(next)}
      options={found.data?.items ?? []}
      filterOptions={(options) => options}
      getOptionLabel={(member) => (member.name ? `${member.login} · ${member.name}` : member.login)}
      isOptionEqualToValue={(a, b) => a.id === b.id}
      loading={found.isFetching}
      noOptionsText={typed ? t("pos.memberNone") : t("pos.memberSearch")}
      renderOption={({ key, ...props }, member) => (
        <Box component="li" key={key} {...props} sx={{ display: "flex", justifyContent: "space-between", gap: 2 }}>
          <span>
            <b>{member.login}</b> {member.name}
          </span>
          <Typography variant="body2" color="text.secondary" sx={{ whiteSpace: "nowrap" }}>
            {format.money(member.balance)}
          </Typography>
        </Box>
      )}
      renderInput={(params) => (
        <TextField
          {...params}
          name="member"
          label={t("pos.member")}
          placeholder={t("pos.memberSearch")}
          error={Boolean(error)}
          helperText={error ? t(`common.errors.${error}`, { defaultValue: error }) : value ? t("pos.balance", { money: format.money(value.balance) }) : undefined}
        />
      )}
    />
  );
}
