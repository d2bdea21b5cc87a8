//! What the citizen sees and does with number and query code.

use super::*;

impl Store {
    /// The citizen's view, proven by number and query code. A wrong code looks like a wrong
    /// number, so that numbers cannot be probed.
    pub async fn public_view(&self, number: &str, code: &str) -> Result<PublicView, StoreError> {
        let l = self.citizen_load(number, code).await?;
        let names = self.unit_names().await?;
        let s = &l.snapshot;
        let evs = events::list(self.pool(), &l.id).await?;
        let timeline = evs
            .iter()
            .filter_map(|e| {
                let d = match e.action.as_str() {
                    "register" => "诉求已受理".to_string(),
                    "dispatch" => format!(
                        "已转交{}办理",
                        e.details["lead_unit"]["name"].as_str().unwrap_or("承办单位")
                    ),
                    "forward" => format!("已转交{}办理", e.details["to_unit"]["name"].as_str().unwrap_or("承办单位")),
                    "sign" => "承办单位已签收".into(),
                    "answer" => "承办单位已答复".into(),
                    "review" if e.details["pass"] == true => "答复已通过审核".into(),
                    "review" => "答复未通过审核，已要求重新办理".into(),
                    "callback" => format!("回访评价：{}", e.details["satisfaction"].as_str().and_then(Satisfaction::parse).map(|s| s.label()).unwrap_or("")),
                    "decide_extension" if e.details["approve"] == true => "办理期限已延长".into(),
                    "judge_return" if e.details["approve"] == true => "正在重新确定承办单位".into(),
                    "close_directly" => "已直接答复办结".into(),
                    "merge" => "与相同诉求合并办理".into(),
                    "withdraw" => "诉求已撤回".into(),
                    _ => return None,
                };
                Some(PublicStep { at: e.at, action: e.action.clone(), description: d })
            })
            .collect();
        let shows_answer = matches!(s.state, State::Callback | State::Closed);
        Ok(PublicView {
            number: l.number.clone(),
            state: s.state,
            state_label: s.state.label(),
            order_type_label: s.order_type.label(),
            // A public page, if one with the query code: personal data masked here too.
            subject: Viewer { full: false }.text(&l.title),
            content: Viewer { full: false }.text(&l.row.content),
            created_at: s.created_at,
            handling_unit: s.lead_unit_id().and_then(|u| names.get(u).cloned()),
            answer: if shows_answer { s.answer.as_deref().map(|a| Viewer { full: false }.text(a)) } else { None },
            satisfaction: s.satisfaction,
            can_rate: s.state == State::Callback,
            can_withdraw: !s.state.is_terminal(),
            timeline,
        })
    }

    pub(super) async fn citizen_load(&self, number: &str, code: &str) -> Result<Loaded, StoreError> {
        let nf = || StoreError::from(DomainError::not_found("order_not_found", "工单编号或查询码不正确"));
        let l = self.load(number.trim()).await?.ok_or_else(nf)?;
        if l.row.query_code_hash != code_hash(code) || l.number != number.trim() {
            return Err(nf());
        }
        Ok(l)
    }

    /// A citizen acts on their own order (rate, withdraw), proven by the query code.
    pub async fn citizen_act(&self, number: &str, code: &str, actor: &Actor, action: &Action) -> Result<PublicView, StoreError> {
        let l = self.citizen_load(number, code).await?;
        self.act(&l.id, actor, action).await?;
        self.public_view(number, code).await
    }
}
